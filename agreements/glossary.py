"""Readable words for the codes Accord stores (issue 13): use terms (GA4GH DUO codes), licence classes,
intended uses, and (from datasets_app.pii_kinds) PII kinds and scrub operators. One place: the glossary
page, tooltips and labels all read these tables."""
from __future__ import annotations

from agreements.models import IntendedUse
from datasets_app import pii_kinds
from datasets_app.licenses import LicenceClass
from datasets_app.models import UseTerm

USE_TERM_HELP: dict[str, str] = {
    UseTerm.GRU: "The data may be used for any research purpose, model training included.",
    UseTerm.NCU: "Only for non-commercial purposes: a request that ticks commercial use is refused.",
    UseTerm.NPU: "Only organisations that are not for profit may use the data; a company's request is refused.",
    UseTerm.NMDS: "No methods or model development: the data may not be used to train or tune models.",
    UseTerm.TS: "Use is limited in time: agreements end no later than the dataset's time limit.",
    UseTerm.PUB: "Results obtained with the data must be published.",
    UseTerm.RTN: "Derived data (for example annotations) must be returned to the contributor.",
}

LICENCE_CLASS_LABELS: dict[str, tuple[str, str]] = {
    LicenceClass.PERMISSIVE: ("Permissive", "Few conditions: use, change and share, commercially too."),
    LicenceClass.ATTRIBUTION: ("Attribution required",
                               "Credit the contributor as they ask; Accord writes it into the model card."),
    LicenceClass.NON_COMMERCIAL: ("Non-commercial", "No commercial use; commercial runs on this data are refused."),
    LicenceClass.SHARE_ALIKE: ("Share-alike", "What you derive must be shared under the same licence."),
    LicenceClass.NO_DERIVATIVES: ("No derivatives", "No changed or derived works; a trained model may count as one."),
    LicenceClass.PROPRIETARY: ("Proprietary",
                               "The contributor's own terms; only what the agreement grants is allowed."),
}

INTENDED_USE_HELP: dict[str, str] = {
    IntendedUse.MODEL_TRAINING: "Fine-tune or train models on the data inside Accord.",
    IntendedUse.COMMERCIAL: "Use the data or models trained on it in a commercial product or service.",
    IntendedUse.PUBLISH_MODEL: "Release the trained model outside Accord.",
    IntendedUse.REDISTRIBUTION: "Pass the data itself on to others.",
}


def use_term_label(code: str) -> str:
    try:
        return UseTerm(code).label
    except ValueError:
        return str(code)


def use_term_help(code: str) -> str:
    return USE_TERM_HELP.get(code, "")


def licence_class_label(value: str) -> str:
    return LICENCE_CLASS_LABELS.get(value, (str(value).replace("_", " ").capitalize(), ""))[0]


def licence_class_help(value: str) -> str:
    return LICENCE_CLASS_LABELS.get(value, ("", ""))[1]


def intended_use_label(value: str) -> str:
    try:
        return IntendedUse(value).label
    except ValueError:
        return str(value)


def glossary_sections() -> list[dict]:
    return [
        {"id": "use-terms", "title": "Use terms",
         "intro": "What a contributor allows, coded after the GA4GH Data Use Ontology (DUO). "
                  "Every request is checked against them.",
         "entries": [{"code": t.value, "label": t.label, "help": USE_TERM_HELP.get(t, "")} for t in UseTerm]},
        {"id": "licence-classes", "title": "Licence classes",
         "intro": "Accord sorts each dataset's SPDX licence into these classes to decide what a run may do.",
         "entries": [{"code": c.value, "label": label, "help": text}
                     for c, (label, text) in LICENCE_CLASS_LABELS.items()]},
        {"id": "intended-uses", "title": "Intended uses",
         "intro": "What a researcher says they will do with the data, ticked on the access request.",
         "entries": [{"code": u.value, "label": u.label, "help": INTENDED_USE_HELP.get(u, "")} for u in IntendedUse]},
        *pii_kinds.glossary_sections(),
    ]
