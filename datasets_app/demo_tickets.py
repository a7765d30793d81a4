"""Demo support tickets whose category is carried by the text (a model can learn it), with PII.

Why a generator of its own: `scrubbing.synthetic.generate_tickets` (kept stable for the PII
quality benchmark) draws the category independently of the text, so a model trained on it can
only reach chance (the demo run ended at accuracy 0.208 for 4 classes). Here the subject and the
problem sentences are drawn from the category's own pool, phrased many ways, and the PII clauses
(names, emails, phones, cards, addresses) come from the same value generators as the benchmark,
so the scrubber still has real work to do. About 6% of tickets are written vaguely (no topic
sentence in the body) so the task is not trivially separable.

The NER demo (`generate_ner_tickets`) writes tickets mentioning products and error codes, with
exact character spans `[{"start", "end", "label"}]` recorded as the text is assembled.
"""
from __future__ import annotations

import random

from datasets_app.scrubbing.synthetic import _Builder, _Values

CATEGORIES = ("account", "billing", "shipping", "technical")
FIELDS = ("ticket_id", "subject", "body", "customer_note", "category")

SUBJECTS: dict[str, list[str]] = {
    "billing": ["Double charge on invoice", "Refund not received", "Question about my bill", "Wrong amount charged",
                "Invoice shows the wrong plan", "Payment declined but money taken", "Late fee dispute"],
    "technical": ["App crashes on start", "Error when exporting", "Router keeps disconnecting", "Page will not load",
                  "Sync fails every night", "Bug after the latest update", "Very slow performance"],
    "account": ["Cannot log in", "Password reset link expired", "Account locked", "Two-factor codes not arriving",
                "Please close my account", "Change the email on my profile", "Someone accessed my account"],
    "shipping": ["Package not delivered", "Parcel arrived damaged", "Where is my order?", "Wrong item shipped",
                 "Delivery is late", "Change of delivery address", "Tracking has not updated"],
}
SENTENCES: dict[str, list[str]] = {
    "billing": [
        "I was charged twice for the same invoice this month.", "The refund you promised has not reached my bank.",
        "My subscription renewed at a higher price than my plan says.", "Please explain the late fee on my bill.",
        "The payment was declined but the amount still left my card.", "I want a refund for the extra charge.",
        "The invoice lists a plan I never ordered.", "Can you credit the overcharge back to my account balance?",
    ],
    "technical": [
        "The app crashes as soon as I open the settings page.", "Exporting to a spreadsheet fails with an error.",
        "The router drops the connection every hour.", "Since the update the page never finishes loading.",
        "Nightly sync fails and the backup is incomplete.", "The screen freezes and I have to restart the device.",
        "Uploads time out halfway with a server error.", "Everything became very slow after the new version.",
    ],
    "account": [
        "I cannot log in even after resetting my password.", "The password reset link says it has expired.",
        "My account was locked after three attempts.", "The two-factor codes never arrive on my phone.",
        "Please close my account and delete my profile.", "I need to change the login email on my profile.",
        "I got a security alert about a sign-in I did not make.", "My username is not recognised on the login page.",
    ],
    "shipping": [
        "Tracking shows delivered but no parcel is here.", "The package arrived damaged and the box was wet.",
        "My order is two weeks late and the courier has no news.", "You shipped the wrong item in my order.",
        "Please send the delivery to my new address instead.", "The tracking number has not updated for days.",
        "Half of the order is missing from the parcel.", "The courier left the package with a stranger.",
    ],
}
VAGUE = ["I have a problem and nobody has answered my emails.", "Please help, this is urgent.",
         "This is the third time I am writing about this.", "Can someone call me back about my case?"]
VAGUE_RATE = 0.06


def _pii_clause(rng: random.Random, b: _Builder, v: _Values) -> None:
    rng.choice([
        lambda: b.text("My name is ").pii("PERSON", v.full_name()).text(". "),
        lambda: b.text("You can reach me at ").pii("PHONE_NUMBER", v.phone()).text(" or ")
        .pii("EMAIL_ADDRESS", v.email()).text(". "),
        lambda: b.text("The card I used is ").pii("CREDIT_CARD", v.card()).text(". "),
        lambda: b.text("Ship it to ").pii("STREET_ADDRESS", v.street()).text(", ").pii("LOCATION", v.city()).text(". "),
        lambda: b.text("I spoke with ").pii("PERSON", v.first_name()).text(" yesterday. "),
        lambda: b.text("Call ").pii("PHONE_NUMBER", v.phone()).text(" after 5pm. "),
        lambda: b.text("My email is ").pii("EMAIL_ADDRESS", v.email()).text(". "),
    ])()


def _ticket(rng: random.Random, v: _Values, category: str, index: int, seed: int) -> dict:
    vague = rng.random() < VAGUE_RATE
    subject = rng.choice(VAGUE[:2]) if vague else rng.choice(SUBJECTS[category])
    b = _Builder()
    b.text(rng.choice(["Hi,\n", "Hello,\n", "Dear support,\n", "Good morning,\n", ""]))
    topic = rng.sample(SENTENCES[category], 2)
    b.text((rng.choice(VAGUE) if vague else topic[0]) + " ")
    for _ in range(rng.randint(1, 3)):
        _pii_clause(rng, b, v)
    if not vague and rng.random() < 0.5:
        b.text(topic[1] + " ")
    b.text(rng.choice(["\nThanks, ", "\nRegards,\n", "\nCheers, ", "\n- "])).pii("PERSON", v.first_name())
    body, _ = b.build()
    note = _Builder()
    if rng.random() < 0.4:
        note.text("Customer ").pii("PERSON", v.full_name()).text(" called again.")
    else:
        note.text(rng.choice(["", "VIP customer.", "Second contact this week.", "Waiting on the team."]))
    return {"ticket_id": f"T-{seed % 1000:03d}-{index:06d}", "subject": subject, "body": body,
            "customer_note": note.build()[0], "category": category}


def generate_demo_tickets(n: int, *, seed: int) -> list[dict]:
    """`n` tickets, categories balanced in turn and shuffled, each signalled by its own text."""
    rng = random.Random(seed)
    values = _Values(rng, seed)
    categories = [CATEGORIES[i % len(CATEGORIES)] for i in range(n)]
    rng.shuffle(categories)
    return [_ticket(rng, values, category, index, seed) for index, category in enumerate(categories)]


# --- token classification (NER) demo ------------------------------------------------------------
NER_FIELDS = ("ticket_id", "text", "entities")
# Names the scrubber does not take for people or places ("Cloud Backup", "Mesh Pro", "PrintDesk" were
# scrubbed as PERSON in up to 70% of tickets: their spans then covered a surrogate name, teaching the
# model that names are products).
PRODUCTS = ["Router X2", "SyncDrive", "PayPortal", "NoteBox", "VPN One", "SmartPlug", "CamGuard", "DataVault",
            "MailPilot", "PhotoSync", "FileShare", "NetGuard"]
NER_TEMPLATES = [
    "My {P} shows error {E} every time I start it.",
    "After the update {P} fails with code {E}.",
    "{E} keeps appearing on the {P} screen.",
    "We bought {P} last month and now get {E} when syncing.",
    "The {P} app crashed twice today with {E}.",
    "Since Monday {P} refuses to connect and logs {E}.",
    "Is there a fix for {E}? My {P} is stuck.",
]


def _error_code(rng: random.Random) -> str:
    return rng.choice([
        lambda: f"E{rng.randint(100, 999)}", lambda: f"ERR-{rng.randint(1000, 9999)}",
        lambda: f"HX-{rng.randint(10, 99)}{rng.choice('ABCDEF')}",
    ])()


def _ner_text(rng: random.Random, v: _Values) -> tuple[str, list[dict]]:
    template = rng.choice(NER_TEMPLATES)
    b = _Builder()
    entities: list[dict] = []
    # PII before the entities too: the scrubber's surrogates move the annotated spans, and its span
    # re-mapping keeps them on their products and error codes (the demo's approval checks it).
    if rng.random() < 0.5:
        b.text(rng.choice(["Hello, this is ", "Hi, ", "From "])).pii("PERSON", v.full_name()).text(". ")
    products = rng.sample(PRODUCTS, 2)
    pieces = template.replace("{P2}", "\0P2\0").replace("{P}", "\0P\0").replace("{E}", "\0E\0").split("\0")
    for piece in pieces:
        kind = {"P": "PRODUCT", "P2": "PRODUCT", "E": "ERROR_CODE"}.get(piece)
        if kind is None:
            b.text(piece)
            continue
        value = {"P": products[0], "P2": products[1], "E": None}[piece] or _error_code(rng)
        entities.append({"start": b.length, "end": b.length + len(value), "label": kind})
        b.text(value)
    if rng.random() < 0.6:
        b.text(" Please call me on ").pii("PHONE_NUMBER", v.phone()).text(".")
    if rng.random() < 0.5:
        b.text(" Thanks, ").pii("PERSON", v.full_name())
    return b.build()[0], entities


def generate_ner_tickets(n: int, *, seed: int) -> list[dict]:
    """`n` tickets: free text with PII, and the PRODUCT / ERROR_CODE spans in it (JSONL records)."""
    rng = random.Random(seed)
    values = _Values(rng, seed)
    out = []
    for index in range(n):
        text, entities = _ner_text(rng, values)
        out.append({"ticket_id": f"N-{index:06d}", "text": text, "entities": entities})
    return out
