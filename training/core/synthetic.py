"""Seeded synthetic support-ticket texts with labels, for tests, demos and bench/train.py.

Lengths vary widely (a few words to a few hundred) like real tickets, which is what makes
length-bucketed padding matter. The label is signalled by topic words so a model can learn it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

TOPICS: dict[str, list[str]] = {
    "billing": ["invoice", "payment", "refund", "charged", "billing", "price", "subscription", "card"],
    "login": ["login", "password", "account", "reset", "locked", "access", "email", "blocked"],
    "shipping": ["delivery", "shipping", "package", "late", "missing", "damaged", "order", "shipped"],
    "bug": ["crash", "error", "bug", "app", "page", "slow", "update", "broken"],
}
FILLER = (  # noqa: SIM905 - a word list reads better as prose
    "the a please i my we it is not and to of in on for with this that again still cannot help "
    "thanks today since yesterday team support customer issue problem need work time new"
).split()


def ticket(rng: random.Random, label: str, *, min_words: int = 4, max_words: int = 220) -> str:
    # Log-uniform-ish length: many short tickets, a long tail of long ones.
    length = int(min_words * (max_words / min_words) ** rng.random())
    topic = TOPICS[label]
    words = [rng.choice(topic) if rng.random() < 0.3 else rng.choice(FILLER) for _ in range(length)]
    words[0] = rng.choice(topic)
    return " ".join(words).capitalize() + "."


def iter_tickets(count: int, *, seed: int = 0, max_words: int = 220) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    labels = sorted(TOPICS)
    for index in range(count):
        label = labels[rng.randrange(len(labels))]
        yield {
            "id": str(index),
            "subject": f"Ticket {index}",
            "body": ticket(rng, label, max_words=max_words),
            "label": label,
        }


def write_tickets_jsonl(path: str | Path, count: int, *, seed: int = 0, max_words: int = 220) -> Path:
    target = Path(path)
    with target.open("w", encoding="utf-8") as handle:
        for record in iter_tickets(count, seed=seed, max_words=max_words):
            handle.write(json.dumps(record) + "\n")
    return target


# --- token classification (NER): product names and error codes with exact character spans -----
PRODUCTS = ["router", "backup", "syncdrive", "payportal", "mesh", "notebox", "phone", "streambox", "camguard"]
NER_TEMPLATES = [
    "my {P} shows error {E} every time",
    "after the update {P} fails with code {E}",
    "{E} keeps appearing on the {P} screen",
    "is there a fix for {E} on {P}",
    "the {P} app crashed twice today",
    "please help with my {P} it is slow",
    "we see {E} in {P} and in {P}",
    "thanks for the quick help yesterday",
]


def ner_record(rng: random.Random, index: int) -> dict:
    text, entities = "", []
    for piece in rng.choice(NER_TEMPLATES).replace("{", "\0{").replace("}", "}\0").split("\0"):
        if piece in ("{P}", "{E}"):
            value = rng.choice(PRODUCTS) if piece == "{P}" else f"e{rng.randint(100, 999)}"
            entities.append({"start": len(text), "end": len(text) + len(value),
                             "label": "PRODUCT" if piece == "{P}" else "ERROR_CODE"})
            text += value
        else:
            text += piece
    return {"id": str(index), "text": text, "entities": entities}


def write_ner_jsonl(path: str | Path, count: int, *, seed: int = 0) -> Path:
    """Span-annotated tickets (`entities`: [{"start", "end", "label"}]) for tests and the bench."""
    rng = random.Random(seed)
    target = Path(path)
    with target.open("w", encoding="utf-8") as handle:
        for index in range(count):
            handle.write(json.dumps(ner_record(rng, index)) + "\n")
    return target
