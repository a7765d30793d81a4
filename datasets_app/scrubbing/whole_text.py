"""Rules over a whole text once its findings are known (kept apart from the engine's flow)."""

from __future__ import annotations

import re
from typing import Sequence, TypeVar

F = TypeVar("F")
_MIN_CHARS = 6  # short values ("12", "Ann") recur by chance; phone numbers and addresses do not


def recurring_values(text: str, findings: Sequence[F]) -> list[F]:
    """A number, address or e-mail found once is scrubbed wherever it recurs in the same text
    ("Mobile: (54) 381-464 Desk: (54) 381-464": the second copy had no phone word before it).
    Findings are returned sorted; a copy that overlaps an existing finding is left to it."""
    values = {}
    for f in findings:
        value = text[f.start:f.end]
        if len(value) >= _MIN_CHARS and any(c.isdigit() or c == "@" for c in value) and text.count(value) > 1:
            values.setdefault(value, f)  # most values occur once: no pattern to build for them
    if not values:
        return list(findings)
    taken = [(f.start, f.end) for f in findings]
    extra = []
    for value, source in values.items():
        for m in re.finditer(r"(?<![\w])" + re.escape(value) + r"(?![\w])", text):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                extra.append(type(source)(source.entity_type, m.start(), m.end(), source.score))
                taken.append((m.start(), m.end()))
    return sorted([*findings, *extra], key=lambda f: f.start)


# letters of scripts other than Latin (Greek, Cyrillic, Armenian, Hebrew, Arabic, Indic, Thai, Georgian,
# Ethiopic, Hangul, kana, CJK), with their combining marks: Python's \w leaves the marks of Indic
# scripts out, so "विकास" would fall apart into pieces no word list can know
_FOREIGN = ("\u0370-\u03ff\u1f00-\u1fff\u0400-\u052f\u0530-\u058f\u0590-\u05ff\u0600-\u06ff\u0750-\u077f"
            "\u08a0-\u08ff\u0900-\u0dff\u0e00-\u0eff\u10a0-\u10ff\u1200-\u139f\u1100-\u11ff\u3130-\u318f"
            "\uac00-\ud7af\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufb50-\ufdff\ufe70-\ufeff")
# a run may carry Latin letters glued to it ("جسورmouth", "Сапунджиеваstad": a made-up town's ending)
_FOREIGN_WORD = "[\\w" + _FOREIGN + "]*[" + _FOREIGN + "][\\w" + _FOREIGN + "]*"
_FOREIGN_RUN = re.compile(_FOREIGN_WORD + "(?:[ \t.\u30fb\u00b7\\-]" + _FOREIGN_WORD + "){0,3}")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_PLACE_LEAD = re.compile(r"(?i:\b(?:in|from|near|at|to|city|town|village)[ \t]*:?[ \t]*)$")


def foreign_script_words(text: str, findings: Sequence[F], make) -> list[F]:
    """In English text, a word in another script is a name or a place written as its owner writes
    it ("Hi विकास कदम, your parcel ...", "moving to 札幌市"): a ticket quotes little else that way.
    Texts with three times more letters of other scripts than Latin ones are left to the other rules.
    `make(entity, start, end)` builds a finding; the findings come back sorted."""
    latin = len(_LATIN_LETTER.findall(text))
    runs = list(_FOREIGN_RUN.finditer(text))
    # a form's English labels around a name in its script ("Contact person: <name> (<town>)") are few
    # letters; a post in another script with a Latin word or two is not English text
    if not runs or latin < 8 or sum(m.end() - m.start() for m in runs) > 3 * latin:
        return list(findings)
    findings = list(findings)
    extra = []
    for m in runs:
        hit = [f for f in findings if f.start < m.end() and m.start() < f.end]
        if hit:  # a name found in part ("विकास <PERSON>"): the finding takes the whole run
            for f in hit:
                findings.remove(f)
            findings.append(make(hit[0].entity_type, min(m.start(), *(f.start for f in hit)),
                                 max(m.end(), *(f.end for f in hit))))
            continue
        line_start = text.rfind("\n", 0, m.start()) + 1
        before = text[line_start:m.start()]
        line = text[line_start:text.find("\n", m.end()) if "\n" in text[m.end():] else len(text)]
        if any(c.isdigit() for c in line) and not _PLACE_LEAD.search(before):
            entity = "STREET_ADDRESS"  # "Ship to: 4 T.ƏLİYEV küç.", "Address: 大通り 12"
        elif _PLACE_LEAD.search(before):
            entity = "LOCATION"
        else:
            entity = "PERSON"
        extra.append(make(entity, m.start(), m.end()))
    return sorted([*findings, *extra], key=lambda f: f.start)
