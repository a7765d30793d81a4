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
