"""Keeping token-label annotations true when the scrubber rewrites the text.

Every replacement the engine makes is an `Edit`: the original extent [start, end) and the extent
[new_start, new_end) of what was written in its place. From the edits of a text:

- span annotations (`[{"start", "end", "label"}]`) are re-mapped to the new text's offsets; a
  span that overlaps a replaced value takes the replacement's extent (the union of the span and
  the replacement), so a PRODUCT span over "Router X2 for John" keeps covering the product and the
  surrogate or tag that replaced John, never half of it;
- a token column (BIO tags beside it) is rebuilt with one token per original token, so the tags
  stay aligned by position (`split_tokens`);
- the residual check skips what the scrubber wrote (`blank_edits`): a surrogate looks like PII
  by design, a real value left beside it does not hide.

Plain Python (no presidio): the parent process of a scrub uses it on offsets only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    new_start: int
    new_end: int
    entity: str

    def shifted(self, by: int, new_by: int) -> "Edit":
        return Edit(self.start + by, self.end + by, self.new_start + new_by, self.new_end + new_by, self.entity)


class SpanError(ValueError):
    """A token-label cell that cannot be re-mapped (the message names no value)."""


def remap_span(start: int, end: int, edits: Sequence[Edit]) -> tuple[int, int]:
    """[start, end) in the original text -> its extent in the new text. `edits` in order, not
    overlapping. A boundary inside a replaced value moves to that replacement's edge, so a span
    overlapping a replacement covers all of it (the union); a span containing one contains it."""
    new_start = start + sum(_change(e) for e in edits if e.end <= start)
    new_end = end + sum(_change(e) for e in edits if e.end <= end)
    for edit in edits:
        if edit.start < start < edit.end:
            new_start = edit.new_start
        if edit.start < end < edit.end:
            new_end = edit.new_end
    return new_start, new_end


def _change(edit: Edit) -> int:
    return (edit.new_end - edit.new_start) - (edit.end - edit.start)


def remap_spans(spans: Sequence[dict], edits: Sequence[Edit], *, text_length: int) -> list[dict]:
    """Span annotations re-mapped onto the scrubbed text. Only start, end and label are written:
    a span cell may carry nothing else (no surface text could ride along, G2)."""
    out = []
    for span in spans:
        start, end, label = _checked(span, text_length)
        new_start, new_end = remap_span(start, end, edits)
        out.append({"start": new_start, "end": new_end, "label": label})
    return out


def _checked(span, text_length: int) -> tuple[int, int, str]:
    if not isinstance(span, dict) or set(span) != {"start", "end", "label"}:
        raise SpanError("a span annotation must be an object with exactly start, end and label")
    start, end, label = span["start"], span["end"], span["label"]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise SpanError("a span's start and end must be integers")
    if not isinstance(label, str):
        raise SpanError("a span's label must be a string")
    if not 0 <= start < end <= text_length:
        raise SpanError(f"a span [{start}, {end}) lies outside its text of {text_length} characters")
    return start, end, label


def split_tokens(tokens: Sequence[str], new_text: str, edits: Sequence[Edit]) -> list[str]:
    """The tokens of `" ".join(tokens)` after scrubbing, one per original token (BIO tags stay
    aligned by position). An untouched token is itself; tokens one replacement covers share its
    words in order: one word each when the counts agree, the last token taking the rest when
    there are more words, the last word repeated when there are fewer ("John Smith" under the tag
    operator: "<PERSON>", "<PERSON>")."""
    extents, cursor = [], 0
    for token in tokens:
        extents.append((cursor, cursor + len(token)))
        cursor += len(token) + 1
    touched = [{k for k, e in enumerate(edits) if e.start < end and start < e.end} for start, end in extents]
    out: list[str] = []
    i = 0
    while i < len(tokens):
        j = i
        while touched[j] and j + 1 < len(tokens) and touched[j] & touched[j + 1]:
            j += 1
        a, _ = remap_span(*extents[i], edits)
        _, b = remap_span(*extents[j], edits)
        if i == j:
            out.append(new_text[a:b])
        else:
            words = new_text[a:b].split()
            count = j - i + 1
            if not words:
                out.extend([""] * count)
            elif len(words) >= count:
                out.extend(words[:count - 1] + [" ".join(words[count - 1:])])
            else:
                out.extend(words[min(k, len(words) - 1)] for k in range(count))
        i = j + 1
    return out


def blank_edits(text: str, edits: Sequence[Edit]) -> str:
    """`text` with what the scrubber wrote blanked (same length): the residual check reads the rest."""
    if not edits:
        return text
    out, cursor = [], 0
    for edit in sorted(edits, key=lambda e: e.new_start):
        out.append(text[cursor:edit.new_start])
        out.append(" " * (edit.new_end - edit.new_start))
        cursor = edit.new_end
    out.append(text[cursor:])
    return "".join(out)
