"""Governed columns (G2): column roles, their suggestions, and the header check (G10).

Plain Python, no Django. Every column of a file ends with one role:

- ``scrub``: free text; the scrubber runs on it.
- ``label``: kept verbatim (the training target), residual-checked, refused when it looks like an
  identifier (PII-like values, or nearly one distinct value per row).
- ``keep``: the steward declares it non-personal, with a reason; residual-checked.
- ``split``: the steward's train/validation/test assignment per row; kept verbatim like a label,
  residual-checked, refused unless every sampled value is a split name (so it cannot carry an identity).
- ``drop``: the default; never written to the scrubbed file.

Profiles hold counts and ratios only, never a value, so they may be stored and shown to anyone
who sees the version.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence

SCRUB, LABEL, KEEP, SPLIT, DROP = "scrub", "label", "keep", "split", "drop"
ROLES: tuple[str, ...] = (SCRUB, LABEL, KEEP, SPLIT, DROP)
WRITTEN_ROLES = (SCRUB, LABEL, KEEP, SPLIT)
# The values a split column may hold (training.core.data reads the same aliases).
SPLIT_NAMES = frozenset({"train", "training", "validation", "val", "valid", "dev", "test", "testing"})
_SPLIT_TOKENS = {"split", "partition", "fold", "subset"}
MIN_KEEP_REASON = 10
PROFILE_SAMPLE = 200  # values per column checked for PII-like content
DISTINCT_CAP = 100_000  # distinct values counted per column (hashes only)
HEADER_HINT = "the first row looks like data: add a header row"

# Name tokens. Free text wins (scrubbing is safe whatever it holds); identity tokens drop.
_TEXT_TOKENS = {"subject", "body", "text", "message", "msg", "note", "notes", "comment", "comments",
                "description", "content", "summary", "title", "question", "answer", "review", "feedback",
                "transcript", "complaint", "details", "remarks", "utterance", "sentence", "reply"}
_IDENTITY_TOKENS = {"email", "mail", "e-mail", "phone", "tel", "telephone", "mobile", "cell", "fax", "name",
                    "firstname", "lastname", "surname", "fullname", "forename", "address", "addr", "street",
                    "city", "zip", "zipcode", "postcode", "postal", "ssn", "iban", "card", "account", "dob",
                    "birth", "birthday", "birthdate", "date", "time", "timestamp", "datetime", "created",
                    "updated", "id", "uuid", "guid", "ip", "username", "user", "login", "handle", "customer",
                    "patient", "client", "passport", "contact", "person", "employee", "member", "owner",
                    "sender", "recipient", "author", "agent", "signature", "gender", "age", "location", "geo",
                    "lat", "lon", "latitude", "longitude", "url", "website", "nationality", "religion"}
# A label named like one of these is refused outright (its values may look harmless in a sample).
_NEVER_LABEL_TOKENS = {"email", "mail", "e-mail", "phone", "tel", "telephone", "mobile", "fax", "ssn", "iban",
                       "passport", "dob", "birth", "birthday", "birthdate", "address", "street", "ip",
                       "username", "login", "surname", "firstname", "lastname", "fullname"}
# A bare record id (ticket_id) may be kept with a reason; an id of a person (customer_id) may not.
_NEVER_KEEP_TOKENS = _NEVER_LABEL_TOKENS | {
    "name", "card", "account", "contact", "person", "patient", "customer", "client",
    "employee", "member", "sender", "recipient", "author", "signature", "user"}
_LABEL_TOKENS = {"label", "labels", "category", "class", "target", "intent", "topic", "sentiment", "tag",
                 "type", "priority", "outcome", "y"}

_NUMBER = re.compile(r"^[+\-]?(?:\d+(?:[.,]\d+)*|\d*[.,]\d+)(?:[eE][+\-]?\d+)?$")
_DATE = re.compile(r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?:[ T]\d{1,2}:\d{2}.*)?$")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"^\+?[\d ().\-]{7,}$")
_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SPLIT = re.compile(r"[\s_\-./:]+")
_ENTITY_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
MAX_TOKEN_LABEL_TYPES = 50


def name_tokens(name: str) -> set[str]:
    return {t.lower() for t in _SPLIT.split(_CAMEL.sub("_", name)) if t}


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# -- the header check (G10; keeps row values out of the ledger, G8) ---------------------------
def _cell_problem(cell: str) -> str | None:
    value = cell.strip()
    if not value:
        return "is empty"
    if _EMAIL.search(value):
        return "looks like an e-mail address"
    if _NUMBER.match(value):
        return "is a number"
    if _DATE.match(value):
        return "is a date"
    if _URL.match(value):
        return "is a web address"
    if _PHONE.match(value) and sum(c.isdigit() for c in value) >= 7:
        return "looks like a phone number"
    words = value.split()
    if 2 <= len(words) <= 4 and all(w[:1].isupper() and w[1:].islower() and w.isalpha() for w in words):
        from .lexicon import get_lexicon  # late: the name lists are large
        from .residual import _is_person_token

        lex = get_lexicon()
        # Every word a known name ("John Smith"), or one that is a name and nothing else ("Maria Garcia").
        if all(lex.is_name(w) for w in words) or any(_is_person_token(w) for w in words):
            return "looks like a person's name"
    return None


def header_problem(header: Sequence[str]) -> str | None:
    """Why this 'header' is really a data row, or None. Names positions, never the values, because
    the message is stored as the failure reason and in the audit ledger."""
    problems = []
    seen: dict[str, int] = {}
    for position, cell in enumerate(header, start=1):
        key = cell.strip()
        if key and key in seen:
            problems.append(f"column {position} repeats the name of column {seen[key]}")
            continue
        seen.setdefault(key, position)
        why = _cell_problem(cell)
        if why:
            problems.append(f"column {position} {why}")
    if not problems:
        return None
    shown = "; ".join(problems[:3]) + ("; ..." if len(problems) > 3 else "")
    return f"{HEADER_HINT} ({shown})"


# -- profiles ----------------------------------------------------------------------------------
class ColumnProfiler:
    """Counts per column while rows stream past: distinct values (as hashes), emptiness, length,
    and PII-like content of the first PROFILE_SAMPLE values. Stores no value."""

    def __init__(self, columns: Sequence[str] = ()) -> None:
        self._cols: dict[str, dict] = {}
        self.rows = 0
        for name in columns:
            self._col(name)

    def _col(self, name: str) -> dict:
        col = self._cols.get(name)
        if col is None:
            col = self._cols[name] = {"non_empty": 0, "hashes": set(), "capped": False, "sampled": 0,
                                      "pii": 0, "kinds": {}, "dates": 0, "numbers": 0, "spaces": 0,
                                      "length": 0, "token_labels": 0, "token_label_types": set(),
                                      "split_names": 0}
        return col

    def add(self, row: Mapping[str, object]) -> None:
        self.rows += 1
        for name, raw in row.items():
            col = self._col(name)
            text = _as_text(raw)
            if text is None or not text.strip():
                continue
            col["non_empty"] += 1
            if len(col["hashes"]) < DISTINCT_CAP:
                col["hashes"].add(hash(text))
            else:
                col["capped"] = True
            if col["sampled"] < PROFILE_SAMPLE:
                self._sample(col, text)

    @staticmethod
    def _sample(col: dict, text: str) -> None:
        from .residual import find_residuals

        col["sampled"] += 1
        col["length"] += len(text)
        stripped = text.strip()
        if " " in stripped:
            col["spaces"] += 1
        if _DATE.match(stripped):
            col["dates"] += 1
        if _NUMBER.match(stripped):
            col["numbers"] += 1
        kinds = {entity for entity, _ in find_residuals(text)}
        if not kinds and _EMAIL.search(text):
            kinds.add("EMAIL_ADDRESS")
        if not kinds and _PHONE.match(stripped) and sum(c.isdigit() for c in stripped) >= 9:
            kinds.add("PHONE_NUMBER")
        if stripped.lower() in SPLIT_NAMES:
            col["split_names"] += 1
        types = token_label_types(stripped)
        if types is not None:
            col["token_labels"] += 1
            if len(col["token_label_types"]) <= MAX_TOKEN_LABEL_TYPES:
                col["token_label_types"].update(hash(t) for t in types)
        if kinds:
            col["pii"] += 1
            for kind in kinds:
                col["kinds"][kind] = col["kinds"].get(kind, 0) + 1

    def result(self) -> dict[str, dict]:
        out = {}
        for name, col in self._cols.items():
            sampled = col["sampled"] or 1
            profile = {
                "rows": self.rows,
                "non_empty": col["non_empty"],
                "distinct": len(col["hashes"]),
                "distinct_capped": col["capped"],
                "sampled": col["sampled"],
                "avg_length": round(col["length"] / sampled, 1),
                "with_spaces": round(col["spaces"] / sampled, 3),
                "dates": round(col["dates"] / sampled, 3),
                "numbers": round(col["numbers"] / sampled, 3),
                "pii_like": round(col["pii"] / sampled, 3),
                "pii_kinds": sorted(col["kinds"], key=lambda k: -col["kinds"][k]),
                # Token-classification annotations (spans or BIO tags): counts only, never a value.
                "token_labels": round(col["token_labels"] / sampled, 3),
                "token_label_types": len(col["token_label_types"]),
                # Share of sampled values that are split names (train/validation/test): a count only.
                "split_values": round(col["split_names"] / sampled, 3),
            }
            profile["label_refused"] = label_refusal(name, profile) or ""
            profile["keep_refused"] = keep_refusal(name, profile) or ""
            role, reason = suggest_role(name, profile)
            profile["suggested"] = {"role": role, "reason": reason}
            out[name] = profile
        return out


def profile_rows(rows: Iterable, columns: Sequence[str], fmt: str) -> dict[str, dict]:
    profiler = ColumnProfiler(columns)
    for row in rows:
        profiler.add(dict(zip(columns, row)) if fmt == "csv" else row)
    return profiler.result()


def _nearly_unique(profile: Mapping) -> bool:
    rows, distinct = profile.get("rows", 0), profile.get("distinct", 0)
    if profile.get("distinct_capped"):
        return True
    if rows >= 10:
        return distinct >= 0.9 * rows
    return rows >= 4 and distinct >= rows


def label_refusal(name: str, profile: Mapping) -> str | None:
    """Why this column may not be the label (it would carry identities into id2label and the
    model card), or None."""
    if name_tokens(name) & _NEVER_LABEL_TOKENS:
        return "its name says it holds personal data; a label must be a category"
    if profile.get("pii_like", 0) >= 0.05:
        kinds = ", ".join(profile.get("pii_kinds", [])[:3]) or "personal data"
        return f"its values look like personal data ({kinds}); a label must be a category"
    if _nearly_unique(profile) and not is_token_label_column(profile):
        return "nearly every row has its own value: that is an identifier, not a label"
    return None


def split_refusal(name: str, profile: Mapping) -> str | None:
    """Why this column may not be the declared split, or None. A split column is released verbatim
    (G2), so it must hold split names and nothing else: never an identity, never free text."""
    if name_tokens(name) & _NEVER_LABEL_TOKENS:
        return "its name says it holds personal data; a split column holds train, validation or test"
    if profile.get("pii_like", 0) > 0:
        return "its values look like personal data; a split column holds train, validation or test"
    if profile.get("split_values", 0) < 1.0:
        return "not every value is train, validation or test"
    return None


def is_token_label_column(profile: Mapping) -> bool:
    """Span annotations or BIO tags in (nearly) every sampled row, over a small set of entity types.

    Such a column is unique per row because offsets are, not because it names anyone: it may be
    the label (still residual-checked verbatim like any label, and refused when PII-like)."""
    return profile.get("token_labels", 0) >= 0.95 and 0 < profile.get("token_label_types", 0) <= MAX_TOKEN_LABEL_TYPES


def token_label_types(text: str) -> set[str] | None:
    """The entity types of a token-label cell, or None when it is not one.

    Accepted: a JSON list of {"start", "end", "label"} objects (those keys only, integer offsets,
    so no surface text rides along) or a JSON list of BIO tags (O, B-TYPE, I-TYPE)."""
    if not text.startswith("["):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    types: set[str] = set()
    for item in value:
        if isinstance(item, dict):
            if set(item) != {"start", "end", "label"} or not all(isinstance(item[k], int) for k in ("start", "end")):
                return None
            kind = item["label"]
        elif isinstance(item, str) and (item == "O" or item[:2] in ("B-", "I-")):
            if item == "O":
                continue
            kind = item[2:]
        else:
            return None
        if not isinstance(kind, str) or not _ENTITY_TYPE.match(kind):
            return None
        types.add(kind)
    return types


def keep_refusal(name: str, profile: Mapping) -> str | None:
    """Why this column cannot be declared non-personal and kept verbatim, or None."""
    tokens = name_tokens(name)
    if tokens & _NEVER_KEEP_TOKENS and not tokens & _TEXT_TOKENS:
        return "its name says it identifies people (e-mail, phone, name, address, ID...): drop or scrub it"
    if profile.get("pii_like", 0) >= 0.05:
        kinds = ", ".join(profile.get("pii_kinds", [])[:3]) or "personal data"
        return f"its values look like personal data ({kinds}): scrub or drop it"
    return None


def suggest_role(name: str, profile: Mapping) -> tuple[str, str]:
    """A suggested role with its reason. Never 'keep': only the steward declares a column non-personal."""
    tokens = name_tokens(name)
    free_text = profile.get("with_spaces", 0) >= 0.5 and profile.get("avg_length", 0) >= 12
    if tokens & _TEXT_TOKENS:
        return SCRUB, "named like free text: the scrubber runs on it"
    if tokens & _IDENTITY_TOKENS:
        return DROP, "named like an identity column (e-mail, phone, name, address, ID, date): dropped"
    if profile.get("pii_like", 0) >= 0.2:
        if free_text:
            return SCRUB, "free text with personal data in it: the scrubber runs on it"
        return DROP, "its values look like personal data: dropped"
    if profile.get("dates", 0) >= 0.5:
        return DROP, "its values are dates: dropped"
    if free_text:
        return SCRUB, "free text: the scrubber runs on it"
    if tokens & _SPLIT_TOKENS and not split_refusal(name, profile):
        return SPLIT, "named like a train/validation/test split, and every value is one"
    if tokens & _LABEL_TOKENS and not label_refusal(name, profile):
        return LABEL, "named like a label, with few distinct values"
    if _nearly_unique(profile):
        return DROP, "nearly every row has its own value (an identifier): dropped"
    return DROP, "not free text: dropped unless you keep it with a reason"


def check_roles(roles: Mapping[str, Mapping], profiles: Mapping[str, Mapping]) -> list[str]:
    """Every problem with a set of roles, as sentences (empty when they can be used)."""
    problems = []
    unknown = [c for c in roles if c not in profiles]
    if unknown:
        problems.append(f"not a column of this file: {', '.join(unknown)}")
    bad = sorted({r.get("role") for r in roles.values()} - set(ROLES), key=str)
    if bad:
        problems.append(f"unknown role(s) {', '.join(map(str, bad))}; use one of {', '.join(ROLES)}")
    scrub = [c for c, r in roles.items() if r.get("role") == SCRUB]
    labels = [c for c, r in roles.items() if r.get("role") == LABEL]
    splits = [c for c, r in roles.items() if r.get("role") == SPLIT]
    if len(splits) > 1:
        problems.append(f"only one column can be the split; you chose {', '.join(splits)}")
    if not scrub:
        problems.append("give at least one column the role scrub")
    if len(labels) > 1:
        problems.append(f"only one column can be the label; you chose {', '.join(labels)}")
    for column, role in roles.items():
        profile = profiles.get(column, {})
        if role.get("role") == LABEL:
            why = label_refusal(column, profile)
            if why:
                problems.append(f"{column} cannot be the label: {why}")
        elif role.get("role") == SPLIT:
            why = split_refusal(column, profile)
            if why:
                problems.append(f"{column} cannot be the split column: {why}")
        elif role.get("role") == KEEP:
            if len((role.get("reason") or "").strip()) < MIN_KEEP_REASON:
                problems.append(f"{column}: say why it is not personal data to keep it "
                                f"(at least {MIN_KEEP_REASON} characters)")
            why = keep_refusal(column, profile)
            if why:
                problems.append(f"{column} cannot be kept: {why}")
    return problems
