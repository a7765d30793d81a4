"""Seeded synthetic support tickets with embedded PII and ground-truth spans.

Used for demo data, tests and the quality benchmark. Pure Python + faker (several
locales, so names are not all English). Spans are exact: each is recorded while the
text is assembled, never searched for afterwards.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from faker import Faker

CATEGORIES = ("billing", "technical", "account", "shipping")
TEXT_FIELDS = ("subject", "body", "customer_note")
FIELDS = ("ticket_id", "subject", "body", "customer_note", "category")
_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pl_PL", "nl_NL", "en_IN", "pt_BR",
            "sv_SE", "tr_TR")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


@dataclass(frozen=True)
class Span:
    entity: str
    start: int
    end: int
    value: str

    def as_dict(self) -> dict:
        return {"entity": self.entity, "start": self.start, "end": self.end, "value": self.value}


class _Builder:
    """Appends literal text and PII values, remembering where each value landed."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[Span] = []

    def text(self, value: str) -> "_Builder":
        self.parts.append(value)
        self.length += len(value)
        return self

    def pii(self, entity: str, value: str) -> "_Builder":
        self.spans.append(Span(entity, self.length, self.length + len(value), value))
        return self.text(value)

    def build(self) -> tuple[str, list[Span]]:
        return "".join(self.parts), self.spans


class _Values:
    """PII value generators in many formats."""

    def __init__(self, rng: random.Random, seed: int):
        self.rng = rng
        self.fakers = {loc: Faker(loc) for loc in _LOCALES}
        for i, fk in enumerate(self.fakers.values()):
            fk.seed_instance(seed * 31 + i)
        self.en = self.fakers["en_US"]

    def _faker(self) -> Faker:
        loc = self.rng.choice(_LOCALES[:3] * 2 + _LOCALES)
        return self.fakers[loc]

    def full_name(self) -> str:
        fk = self._faker()
        name = f"{fk.first_name()} {fk.last_name()}"
        roll = self.rng.random()
        if roll < 0.12:
            return name.lower()
        if roll < 0.18:
            return name.upper()
        if roll < 0.26:
            return f"{fk.first_name()}-{fk.first_name()} {self.rng.choice(['O', 'D'])}'{fk.last_name()}"
        return name

    def first_name(self) -> str:
        name = self._faker().first_name()
        return name.lower() if self.rng.random() < 0.2 else name

    def email(self) -> str:
        fk = self._faker()
        user = f"{fk.first_name()}.{fk.last_name()}".lower().replace(" ", "")
        user = "".join(c for c in user if c.isascii() and (c.isalnum() or c in "._"))
        return f"{user or 'user'}{self.rng.randint(1, 99)}@{self.rng.choice(['example.com', 'mail.example.org', 'corp.example.net', 'gmail.com'])}"

    def phone(self) -> str:
        r = self.rng
        a, b, c = r.randint(200, 989), r.randint(0, 999), r.randint(0, 9999)
        formats = [
            f"({a}) {b:03d}-{c:04d}", f"{a}.{b:03d}.{c:04d}", f"{a}-{b:03d}-{c:04d}", f"+1 {a} {b:03d} {c:04d}",
            f"+44 20 {r.randint(7000, 8999)} {c:04d}", f"+49 30 {r.randint(100000, 999999)}",
            f"+33 1 {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}",
            f"+91 {r.randint(70000, 99999)} {r.randint(10000, 99999)}", f"0{r.randint(7000, 7999)} {r.randint(100000, 999999)}",
        ]
        return r.choice(formats)

    def card(self) -> str:
        number = self.en.credit_card_number(card_type=self.rng.choice(["visa16", "mastercard", "discover"]))
        number = number[:16].ljust(16, "1")
        sep = self.rng.choice([" ", "-", "-", " ", ""])
        return sep.join(number[i:i + 4] for i in range(0, 16, 4))

    def iban(self) -> str:
        iban = self.fakers[self.rng.choice(["de_DE", "en_GB", "fr_FR", "nl_NL", "es_ES"])].iban()
        if self.rng.random() < 0.6:
            iban = " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
        return iban

    def ssn(self) -> str:
        return self.en.ssn() if self.rng.random() < 0.7 else f"{self.rng.randint(100, 899)}-{self.rng.randint(10, 99)}-{self.rng.randint(1000, 9999)}"

    def ip(self) -> str:
        return self.en.ipv6() if self.rng.random() < 0.35 else self.en.ipv4()

    def dob(self) -> str:
        r = self.rng
        y, m, d = r.randint(1940, 2005), r.randint(1, 12), r.randint(1, 28)
        return r.choice([f"{m:02d}/{d:02d}/{y}", f"{d} {_MONTHS[m - 1]} {y}", f"{_MONTHS[m - 1]} {d}, {y}",
                         f"{y}-{m:02d}-{d:02d}", f"{d:02d}.{m:02d}.{y}", f"{_MONTHS[m - 1][:3]} {d} {y}"])

    def city(self) -> str:
        return self.rng.choice([self.en.city(), self.fakers["en_GB"].city(), self.fakers["de_DE"].city(),
                                self.en.state(), self.en.country(), self.fakers["fr_FR"].city()])

    def street(self) -> str:
        r = self.rng
        if r.random() < 0.2:
            return r.choice([f"{self.fakers['de_DE'].street_name()} {r.randint(1, 120)}",
                             f"{r.randint(1, 99)} rue {self.fakers['fr_FR'].last_name()}",
                             f"{r.randint(1, 300)}B Baker Street"])
        address = self.en.street_address()
        return address.lower() if r.random() < 0.1 else address


def _other_dates(rng: random.Random) -> str:
    return rng.choice(["last Tuesday", "on 03/02/2024", "yesterday", "since 2023-11-05", "on 12 May 2024"])


_FILLER = [
    "The app keeps crashing when I open the settings page.", "I was charged twice for the same order.",
    "Please update the shipping address on my account.", "The package arrived damaged and the box was wet.",
    "I cannot log in after resetting my password.", "Could you explain the late fee on my invoice?",
    "My subscription renewed even though I cancelled it.", "The router drops the connection every hour.",
    "Tracking shows delivered but nothing is here.", "I would like a refund for the broken headphones.",
    "Two-factor codes are not arriving.", "The export to spreadsheet fails with an error.",
]


def _body(rng: random.Random, v: _Values) -> tuple[str, list[Span]]:
    b = _Builder()
    greeting = rng.choice(["Hi", "Hello", "Dear support", "Hey", "Good morning"])
    b.text(f"{greeting},\n").text(rng.choice(_FILLER) + " ")
    clauses: list[Callable[[], None]] = [
        lambda: b.text("My name is ").pii("PERSON", v.full_name()).text(". "),
        lambda: b.text("I spoke with ").pii("PERSON", v.first_name()).text(" on the phone " + _other_dates(rng) + ". "),
        lambda: b.text("You can reach me at ").pii("PHONE_NUMBER", v.phone()).text(" or ").pii("EMAIL_ADDRESS", v.email()).text(". "),
        lambda: b.text("The card ending in question is ").pii("CREDIT_CARD", v.card()).text(". "),
        lambda: b.text("Please refund to IBAN ").pii("IBAN_CODE", v.iban()).text(". "),
        lambda: b.text("For verification my SSN is ").pii("US_SSN", v.ssn()).text(". "),
        lambda: b.text("The login attempts came from ").pii("IP_ADDRESS", v.ip()).text(". "),
        lambda: b.text(rng.choice(["DOB: ", "Date of birth: ", "I was born on ", "My birthday is "])).pii("DATE_OF_BIRTH", v.dob()).text(". "),
        lambda: b.text("Ship it to ").pii("STREET_ADDRESS", v.street()).text(", ").pii("LOCATION", v.city()).text(". "),
        lambda: b.text("My colleague ").pii("PERSON", v.full_name()).text(" had the same problem in ").pii("LOCATION", v.city()).text(". "),
        lambda: b.text("Call ").pii("PHONE_NUMBER", v.phone()).text(" after 5pm. "),
        lambda: b.text(rng.choice(_FILLER) + " "),
    ]
    for clause in rng.sample(clauses, rng.randint(3, 6)):
        clause()
    b.text(rng.choice(["\nThanks, ", "\nRegards,\n", "\nCheers, ", "\n- "])).pii("PERSON", v.first_name())
    return b.build()


def _subject(rng: random.Random, v: _Values) -> tuple[str, list[Span]]:
    b = _Builder()
    roll = rng.random()
    if roll < 0.3:
        b.text(rng.choice(["Refund request from ", "Account issue - ", "Order problem for "])).pii("PERSON", v.full_name())
    elif roll < 0.4:
        b.text("Please call me back on ").pii("PHONE_NUMBER", v.phone())
    else:
        b.text(rng.choice(["Double charge on invoice", "Cannot log in", "Package not delivered",
                           "Router keeps disconnecting", "Change of address", "Question about my plan"]))
    return b.build()


def _note(rng: random.Random, v: _Values) -> tuple[str, list[Span]]:
    b = _Builder()
    roll = rng.random()
    if roll < 0.25:
        b.text("Customer ").pii("PERSON", v.full_name()).text(" verified with DOB ").pii("DATE_OF_BIRTH", v.dob()).text(".")
    elif roll < 0.45:
        b.text("Escalated by ").pii("PERSON", v.first_name()).text("; callback ").pii("PHONE_NUMBER", v.phone()).text(".")
    elif roll < 0.6:
        b.text("Lives at ").pii("STREET_ADDRESS", v.street()).text(" in ").pii("LOCATION", v.city()).text(".")
    elif roll < 0.7:
        b.text("Alt email ").pii("EMAIL_ADDRESS", v.email()).text(", seen from ").pii("IP_ADDRESS", v.ip()).text(".")
    else:
        b.text(rng.choice(["", "VIP customer, handle with care.", "Second contact this week.", "Waiting on warehouse."]))
    return b.build()


def generate_labelled(n: int, *, seed: int) -> list[tuple[dict, dict[str, list[Span]]]]:
    """n tickets and, per text field, the exact PII spans they contain."""
    rng = random.Random(seed)
    values = _Values(rng, seed)
    out = []
    for i in range(n):
        subject, s_spans = _subject(rng, values)
        body, b_spans = _body(rng, values)
        note, n_spans = _note(rng, values)
        record = {"ticket_id": f"T-{seed % 1000:03d}-{i:06d}", "subject": subject, "body": body,
                  "customer_note": note, "category": rng.choice(CATEGORIES)}
        out.append((record, {"subject": s_spans, "body": b_spans, "customer_note": n_spans}))
    return out


def generate_tickets(n: int, *, seed: int) -> list[dict]:
    return [record for record, _ in generate_labelled(n, seed=seed)]


def write_csv(records: Iterable[dict], path, *, fields: Sequence[str] = FIELDS) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(fields))
        writer.writeheader()
        for record in records:
            writer.writerow(record)


def write_jsonl(records: Iterable[dict], path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
