"""Readable words for the kinds of personal data the scrubber finds (PERSON, US_SSN, ...) and for
the ways it replaces them (issue 13). One place: the PII report, the catalogue, the review pages,
the scrub form, the model card and the glossary all read these tables; the stored reports, the
scrubber configuration and the API keep the codes."""
from __future__ import annotations

from datasets_app.scrub_runner import ALL_DATES
from datasets_app.scrubbing.config import DEFAULT_ENTITIES, OPTIONAL_ENTITIES

# code -> (label, one line saying what is found). Order: the glossary's order.
PII_KINDS: dict[str, tuple[str, str]] = {
    "PERSON": ("Person's name", "First names, surnames and full names of people."),
    "EMAIL_ADDRESS": ("E-mail address", "Addresses such as jane@example.org."),
    "PHONE_NUMBER": ("Phone number", "Telephone and mobile numbers, national or international."),
    "CREDIT_CARD": ("Payment card number", "Credit and debit card numbers that pass the Luhn checksum."),
    "IBAN_CODE": ("Bank account (IBAN)", "International bank account numbers with a valid checksum."),
    "US_SSN": ("US social security number", "Nine-digit US SSNs such as 123-45-6789."),
    "IP_ADDRESS": ("IP address", "IPv4 and IPv6 addresses, which can point to a person's device."),
    "DATE_OF_BIRTH": ("Date of birth", "A date with a birth word near it, or in brackets after a name."),
    "LOCATION": ("Place", "Towns, regions and countries named in the text."),
    "STREET_ADDRESS": ("Street address", "House number and street, with postcode where given."),
    "ORGANIZATION": ("Organisation", "Companies, agencies and institutions."),
    "NRP": ("Nationality, religious or political group",
            "Nationalities, religions and political affiliations."),
    "URL": ("Web address", "Links and domain names."),
    "USERNAME": ("User name or @handle", "Screen names and @handles."),
    ALL_DATES: ("Any date", "Every date and timestamp, not only dates of birth (HIPAA Safe Harbor)."),
}

# operator code -> (label, one line saying what replaces a found value). No angle-bracket tags in
# these lines: they would read as row content, and as HTML in a rendered model card.
OPERATOR_LABELS: dict[str, tuple[str, str]] = {
    "replace": ("Tag", "Each value becomes a tag naming its kind of PII, the same tag for every value of a kind."),
    "pseudonym": ("Pseudonym",
                  "Each value becomes a pseudonym, the same one wherever it occurs (a keyed hash, per dataset)."),
    "surrogate": ("Realistic surrogate",
                  "Each value becomes a realistic fake of the same kind, the same fake wherever it occurs "
                  "(per dataset)."),
}

ALL_KINDS: tuple[str, ...] = tuple(dict.fromkeys((*DEFAULT_ENTITIES, *OPTIONAL_ENTITIES, ALL_DATES)))
OPTIONAL_KINDS: frozenset[str] = frozenset((*OPTIONAL_ENTITIES, ALL_DATES)) - set(DEFAULT_ENTITIES)


def pii_kind_label(code: str) -> str:
    """'US_SSN' -> 'US social security number'; a kind this table does not know reads as words."""
    entry = PII_KINDS.get(str(code))
    return entry[0] if entry else str(code).replace("_", " ").capitalize()


def pii_kind_help(code: str) -> str:
    entry = PII_KINDS.get(str(code))
    return entry[1] if entry else ""


def operator_label(code: str) -> str:
    entry = OPERATOR_LABELS.get(str(code))
    return entry[0] if entry else str(code).capitalize()


def operator_help(code: str) -> str:
    entry = OPERATOR_LABELS.get(str(code))
    return entry[1] if entry else ""


def operator_sentence(code: str) -> str:
    """One line for the model card and attribution.json: how found values were replaced."""
    help_text = operator_help(code)
    return f"{operator_label(code)} — {help_text[:1].lower()}{help_text[1:]}" if help_text else operator_label(code)


def glossary_sections() -> list[dict]:
    """The glossary's 'PII kinds' and 'Scrub operators' sections (the page is assembled one layer up)."""
    return [
        {"id": "pii-kinds", "anchor": "pii", "title": "PII kinds",
         "intro": "The kinds of personal data the scrubber looks for and replaces before a dataset can be "
                  "approved. Reports and the API name them by the code shown here.",
         "entries": [{"code": code, "label": label,
                      "help": text + (" Scrubbed only when the steward adds it." if code in OPTIONAL_KINDS else "")}
                     for code, (label, text) in PII_KINDS.items()]},
        {"id": "scrub-operators", "anchor": "operator", "title": "Scrub operators",
         "intro": "How the scrubber replaces each value it finds; the steward chooses one per dataset version.",
         "entries": [{"code": code, "label": label, "help": text}
                     for code, (label, text) in OPERATOR_LABELS.items()]},
    ]
