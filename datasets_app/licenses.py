"""The licences Accord knows: SPDX ids, what each allows, and validation of what a steward types.

One table serves the dataset form, the catalogue, attribution_for and the training gate. A licence
may belong to several classes (CC-BY-NC-SA-4.0 is attribution, non-commercial and share-alike).
Anything unknown or `LicenseRef-…` is proprietary: only the agreement grants rights, so it is
treated as restrictively as possible.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from config.exceptions import ApplicationError


class LicenceClass(StrEnum):
    PERMISSIVE = "permissive"
    ATTRIBUTION = "attribution"
    NON_COMMERCIAL = "non_commercial"
    SHARE_ALIKE = "share_alike"
    NO_DERIVATIVES = "no_derivatives"
    PROPRIETARY = "proprietary"


@dataclass(frozen=True)
class Licence:
    spdx: str
    name: str
    classes: frozenset[LicenceClass]

    @property
    def commercial_use_allowed(self) -> bool:
        return LicenceClass.NON_COMMERCIAL not in self.classes and LicenceClass.PROPRIETARY not in self.classes

    @property
    def share_alike(self) -> bool:
        return LicenceClass.SHARE_ALIKE in self.classes

    @property
    def attribution_required(self) -> bool:
        return LicenceClass.ATTRIBUTION in self.classes or LicenceClass.PROPRIETARY in self.classes

    @property
    def non_commercial(self) -> bool:
        return LicenceClass.NON_COMMERCIAL in self.classes

    @property
    def proprietary(self) -> bool:
        return LicenceClass.PROPRIETARY in self.classes

    @property
    def label(self) -> str:
        """The primary class, for display ("non_commercial" beats "attribution")."""
        for cls in (LicenceClass.PROPRIETARY, LicenceClass.NON_COMMERCIAL, LicenceClass.SHARE_ALIKE,
                    LicenceClass.NO_DERIVATIVES, LicenceClass.ATTRIBUTION, LicenceClass.PERMISSIVE):
            if cls in self.classes:
                return cls.value
        return LicenceClass.PROPRIETARY.value


_P, _A, _NC, _SA, _ND = (LicenceClass.PERMISSIVE, LicenceClass.ATTRIBUTION, LicenceClass.NON_COMMERCIAL,
                         LicenceClass.SHARE_ALIKE, LicenceClass.NO_DERIVATIVES)

LICENCES: dict[str, Licence] = {
    lic.spdx.lower(): lic
    for lic in (
        Licence("CC0-1.0", "Creative Commons Zero 1.0 (public domain dedication)", frozenset({_P})),
        Licence("PDDL-1.0", "Open Data Commons Public Domain Dedication and License 1.0", frozenset({_P})),
        Licence("MIT", "MIT License", frozenset({_P, _A})),
        Licence("Apache-2.0", "Apache License 2.0", frozenset({_P, _A})),
        Licence("CDLA-Permissive-2.0", "Community Data License Agreement – Permissive 2.0", frozenset({_P})),
        Licence("CC-BY-4.0", "Creative Commons Attribution 4.0", frozenset({_A})),
        Licence("CC-BY-3.0", "Creative Commons Attribution 3.0", frozenset({_A})),
        Licence("ODC-By-1.0", "Open Data Commons Attribution License 1.0", frozenset({_A})),
        Licence("CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0", frozenset({_A, _SA})),
        Licence("ODbL-1.0", "Open Database License 1.0", frozenset({_A, _SA})),
        Licence("CDLA-Sharing-1.0", "Community Data License Agreement – Sharing 1.0", frozenset({_A, _SA})),
        Licence("CC-BY-NC-4.0", "Creative Commons Attribution-NonCommercial 4.0", frozenset({_A, _NC})),
        Licence("CC-BY-NC-SA-4.0", "Creative Commons Attribution-NonCommercial-ShareAlike 4.0",
                frozenset({_A, _NC, _SA})),
        Licence("CC-BY-ND-4.0", "Creative Commons Attribution-NoDerivatives 4.0", frozenset({_A, _ND})),
        Licence("CC-BY-NC-ND-4.0", "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0",
                frozenset({_A, _NC, _ND})),
        Licence("BSD-3-Clause", "BSD 3-Clause License", frozenset({_P, _A})),
        Licence("OGL-UK-3.0", "Open Government Licence v3.0", frozenset({_A})),
        Licence("DL-DE-BY-2.0", "Data licence Germany – attribution – version 2.0", frozenset({_A})),
    )
}


def classify(spdx_id: str) -> Licence:
    """The licence for an SPDX id; unknown ids and LicenseRef-… are proprietary."""
    known = LICENCES.get((spdx_id or "").strip().lower())
    if known is not None:
        return known
    name = "Proprietary licence" if (spdx_id or "").startswith("LicenseRef-") else f"Unrecognised licence {spdx_id!r}"
    classes = {LicenceClass.PROPRIETARY}
    # An unlisted id that says non-commercial (CC-BY-NC-2.0, OpenRAIL-NC...) must still count as such.
    if any(marker in (spdx_id or "").upper() for marker in ("-NC", "NONCOMMERCIAL", "NON-COMMERCIAL", "RESEARCH-ONLY")):
        classes.add(LicenceClass.NON_COMMERCIAL)
    return Licence(spdx_id or "LicenseRef-unknown", name, frozenset(classes))


_LICENSE_REF = re.compile(r"^LicenseRef-[A-Za-z0-9.\-]+$")


def normalise_license(value: str) -> str:
    """The canonical SPDX id for `value`, or a clear error naming what is accepted."""
    cleaned = (value or "").strip()
    known = LICENCES.get(cleaned.lower())
    if known is not None:
        return known.spdx
    if _LICENSE_REF.match(cleaned):
        return cleaned
    raise ApplicationError(
        f"{cleaned or 'An empty value'} is not an SPDX licence identifier Accord knows. Use one of "
        f"{', '.join(known_spdx_ids())}, or LicenseRef-<name> for a custom licence.",
        code="unknown_license",
    )


def known_spdx_ids() -> list[str]:
    return [lic.spdx for lic in LICENCES.values()]


def license_choices() -> list[tuple[str, str]]:
    return [(lic.spdx, f"{lic.spdx} — {lic.name}") for lic in LICENCES.values()]
