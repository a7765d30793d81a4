"""SPDX licence identifiers Accord accepts for datasets."""
from __future__ import annotations

import re

from config.exceptions import ApplicationError

# The licences data is commonly shared under; anything else can be named as LicenseRef-<name>.
SPDX_LICENSES: dict[str, str] = {
    "CC0-1.0": "Creative Commons Zero v1.0 Universal",
    "CC-BY-4.0": "Creative Commons Attribution 4.0",
    "CC-BY-SA-4.0": "Creative Commons Attribution Share Alike 4.0",
    "CC-BY-NC-4.0": "Creative Commons Attribution Non Commercial 4.0",
    "CC-BY-NC-SA-4.0": "Creative Commons Attribution Non Commercial Share Alike 4.0",
    "CC-BY-ND-4.0": "Creative Commons Attribution No Derivatives 4.0",
    "CC-BY-NC-ND-4.0": "Creative Commons Attribution Non Commercial No Derivatives 4.0",
    "CC-BY-3.0": "Creative Commons Attribution 3.0 Unported",
    "ODbL-1.0": "Open Data Commons Open Database License v1.0",
    "ODC-By-1.0": "Open Data Commons Attribution License v1.0",
    "PDDL-1.0": "Open Data Commons Public Domain Dedication & License 1.0",
    "CDLA-Permissive-2.0": "Community Data License Agreement Permissive 2.0",
    "CDLA-Sharing-1.0": "Community Data License Agreement Sharing 1.0",
    "Apache-2.0": "Apache License 2.0",
    "MIT": "MIT License",
    "BSD-3-Clause": "BSD 3-Clause License",
    "OGL-UK-3.0": "Open Government Licence v3.0",
    "DL-DE-BY-2.0": "Data licence Germany – attribution – version 2.0",
}
_BY_LOWER = {k.lower(): k for k in SPDX_LICENSES}
_LICENSE_REF = re.compile(r"^LicenseRef-[A-Za-z0-9.\-]+$")


def normalise_license(value: str) -> str:
    """The canonical SPDX id for `value`, or a clear error naming what is accepted."""
    cleaned = (value or "").strip()
    if cleaned.lower() in _BY_LOWER:
        return _BY_LOWER[cleaned.lower()]
    if _LICENSE_REF.match(cleaned):
        return cleaned
    raise ApplicationError(
        f"{cleaned or 'An empty value'} is not an SPDX licence identifier Accord knows. Use one of "
        f"{', '.join(SPDX_LICENSES)}, or LicenseRef-<name> for a custom licence.",
        code="unknown_license",
    )


def license_choices() -> list[tuple[str, str]]:
    return [(k, f"{k} — {v}") for k, v in SPDX_LICENSES.items()]
