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
