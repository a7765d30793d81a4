"""Residual check: an independent second pass over scrubbed text.

Strict regexes (with checksums where formats have them) plus a name-list lookup; it
shares nothing with the analyzer except the word lists, so a bug in one recognizer
does not hide itself here.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections import Counter
from typing import Iterable

from .lexicon import get_lexicon

_TAG = re.compile(r"<[A-Z_]+(?:_[0-9a-f]{8})?>")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}[ .\-]?)?(?:\(\d{2,4}\)[ .\-]?|\d{2,4}[ .\-])\d{3,4}[ .\-]\d{3,4}(?!\w)")
_CARD = re.compile(r"(?<![\d\-])(?:\d[ \-]?){12,18}\d(?![\d\-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_SSN = re.compile(r"(?<![\d\-])\d{3}-\d{2}-\d{4}(?![\d\-])")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_CAP_WORD = re.compile(r"\b[A-Z][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?\b")


def _luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _iban_ok(value: str) -> bool:
    compact = value.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    try:
        return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1
    except ValueError:
        return False


def _ip_ok(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False


@functools.lru_cache(maxsize=65536)
def _is_person_token(word: str) -> bool:
    lex = get_lexicon()
    parts = word.split("-")
    return any(lex.is_name(p) and not lex.is_common(p) and not lex.is_nounish(p) for p in parts)


def mask(value: str) -> str:
    """Short masked form for reports: never the full value."""
    value = value.strip()
    if len(value) <= 2:
        return "*" * len(value)
    return f"{value[0]}{'*' * min(len(value) - 2, 6)}{value[-1]}"


def find_residuals(text: str) -> list[tuple[str, str]]:
    """(entity, matched text) for everything that still looks like PII."""
    text = _TAG.sub(" ", text)
    found: list[tuple[str, str]] = [("PERSON", m.group()) for m in _CAP_WORD.finditer(text)
                                    if _is_person_token(m.group())]
    if not any(c.isdigit() for c in text):
        return found + [("EMAIL_ADDRESS", m.group()) for m in _EMAIL.finditer(text)] if "@" in text else found
    found += [("EMAIL_ADDRESS", m.group()) for m in _EMAIL.finditer(text)]
    found += [("US_SSN", m.group()) for m in _SSN.finditer(text)]
    found += [("CREDIT_CARD", m.group()) for m in _CARD.finditer(text) if _luhn_ok(m.group())]
    found += [("IBAN_CODE", m.group()) for m in _IBAN.finditer(text) if _iban_ok(m.group())]
    found += [("IP_ADDRESS", m.group()) for m in _IPV4.finditer(text) if _ip_ok(m.group())]
    found += [("IP_ADDRESS", m.group()) for m in _IPV6.finditer(text) if _ip_ok(m.group())]
    for _, value in found:  # a card/IBAN/IP already counted must not count again as a phone
        text = text.replace(value, " ")
    found += [("PHONE_NUMBER", m.group()) for m in _PHONE.finditer(text)
              if 9 <= sum(c.isdigit() for c in m.group()) <= 15]
    return found


def residual_scan(texts: Iterable[str]) -> Counter:
    """Count, per entity type, what still looks like PII in already-scrubbed texts."""
    counts: Counter = Counter()
    for text in texts:
        for entity, _ in find_residuals(text):
            counts[entity] += 1
    return counts


class ResidualTally:
    """Accumulates residual counts and a few masked examples while a file is scrubbed."""

    MAX_EXAMPLES = 20

    def __init__(self) -> None:
        self.by_entity: Counter = Counter()
        self.by_field: Counter = Counter()  # every column of the output, scrubbed or verbatim (G2)
        self.examples: list[dict] = []

    def add(self, text: str, *, row: int, field: str) -> None:
        for entity, value in find_residuals(text):
            self.count(entity, mask(value), row=row, field=field)

    def count(self, entity: str, masked: str, *, row: int, field: str) -> None:
        self.by_entity[entity] += 1
        self.by_field[field] += 1
        if len(self.examples) < self.MAX_EXAMPLES:
            self.examples.append({"row": row, "field": field, "entity": entity, "masked": masked})

    def as_dict(self) -> dict:
        return {"total": sum(self.by_entity.values()), "by_entity": dict(sorted(self.by_entity.items())),
                "by_field": dict(sorted(self.by_field.items())), "examples": list(self.examples)}
