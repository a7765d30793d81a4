"""seed_demo's datasets step: synthetic tickets through the real pipeline, approved, idempotent."""
import pytest

from accounts.demo import seed_people
from datasets_app.demo import DEMO_ROWS, DEMO_TITLE, seed_support_tickets
from datasets_app.models import Dataset, DatasetVersion


@pytest.mark.django_db(transaction=True)
def test_demo_dataset_is_scrubbed_approved_and_seeded_once(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    seed_people(lambda m: None)
    lines = []
    seed_support_tickets(lines.append)
    version = DatasetVersion.objects.get(dataset__title=DEMO_TITLE)
    assert version.status == DatasetVersion.Status.APPROVED, lines
    assert version.label_field == "category" and version.row_count == DEMO_ROWS
    # Sensible suggested roles (G2): the ticket id dropped, the free text scrubbed, the category the label.
    assert {c: r["role"] for c, r in version.column_roles.items()} == {
        "ticket_id": "drop", "subject": "scrub", "body": "scrub", "customer_note": "scrub", "category": "label"}
    assert version.text_fields == ["subject", "body", "customer_note"]
    from django.core.files.storage import default_storage

    with default_storage.open(version.scrubbed_file.name, "rb") as fh:
        assert fh.readline() == b"subject,body,customer_note,category\n"
    report = version.pii_report
    for entity in ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD"):
        assert report["by_entity"].get(entity, 0) > 0, entity
    seed_support_tickets(lines.append)
    assert Dataset.objects.filter(title=DEMO_TITLE).count() == 1
    assert DatasetVersion.objects.filter(dataset__title=DEMO_TITLE).count() == 1


def test_demo_tickets_carry_their_category_in_the_text():
    """The demo's first run must be able to learn: the category is signalled by the text (a
    bag-of-words rule built on half the tickets labels the other half), unlike random labels."""
    from collections import Counter, defaultdict

    from datasets_app.demo_tickets import CATEGORIES, generate_demo_tickets

    tickets = generate_demo_tickets(400, seed=7)
    assert Counter(t["category"] for t in tickets) == {c: 100 for c in CATEGORIES}
    words = defaultdict(Counter)
    for ticket in tickets[:200]:
        words[ticket["category"]].update(set((ticket["subject"] + " " + ticket["body"]).lower().split()))

    def guess(ticket):
        tokens = set((ticket["subject"] + " " + ticket["body"]).lower().split())
        return max(CATEGORIES, key=lambda c: sum(words[c][w] / 200 for w in tokens))

    correct = sum(guess(t) == t["category"] for t in tickets[200:])
    assert correct / 200 >= 0.8


@pytest.mark.django_db(transaction=True)
def test_demo_ner_dataset_is_scrubbed_with_spans_as_its_label_and_approved(settings):
    """The span column takes the label role (G2: verbatim, residual-checked); the text is scrubbed and
    every span still covers the same product or error code after scrubbing."""
    import json

    from django.core.files.storage import default_storage

    from datasets_app.demo import NER_ROWS, NER_TITLE, seed_ner_tickets

    settings.CELERY_TASK_ALWAYS_EAGER = True
    seed_people(lambda m: None)
    lines = []
    seed_ner_tickets(lines.append)
    version = DatasetVersion.objects.get(dataset__title=NER_TITLE)
    assert version.status == DatasetVersion.Status.APPROVED, lines
    assert version.label_field == "entities" and version.text_fields == ["text"] and version.row_count == NER_ROWS
    assert version.column_profile["entities"]["token_labels"] == 1.0
    with default_storage.open(version.scrubbed_file.name, "rb") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    assert set(rows[0]) == {"text", "entities"}  # ticket_id dropped
    assert version.pii_report["by_entity"].get("PHONE_NUMBER", 0) > 0
    kinds = {span["label"] for row in rows for span in row["entities"]}
    assert kinds == {"PRODUCT", "ERROR_CODE"}
    assert not any("+" in row["text"][s["start"]:s["end"]] for row in rows for s in row["entities"])
    # PII replaced by surrogates, every generated ticket kept: the spans were re-mapped, not curated.
    from datasets_app.demo_tickets import PRODUCTS, generate_ner_tickets

    assert version.operator == "surrogate" and version.pii_report["operator"]["name"] == "surrogate"
    raw = generate_ner_tickets(NER_ROWS, seed=2027)
    assert len(rows) == len(raw) == NER_ROWS
    moved = kept = 0
    for before, after in zip(raw, rows):
        assert len(after["entities"]) == len(before["entities"])
        for old, new in zip(before["entities"], after["entities"]):
            covered = after["text"][new["start"]:new["end"]]
            if covered == before["text"][old["start"]:old["end"]]:
                kept += 1
                moved += new["start"] != old["start"]
    # on their products and codes (the rest: ones the scrubber took for PII, now covering the surrogate)
    assert kept >= 0.9 * sum(len(r["entities"]) for r in raw)
    assert moved > 50  # names before the spans were replaced by surrogates of other lengths
    assert "<PERSON>" not in " ".join(r["text"] for r in rows)
    assert any(product in rows[0]["text"] for product in PRODUCTS)
