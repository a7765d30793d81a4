"""Readable PII kinds and scrub operators (issue 13): one table names every kind the scrubber and the
residual check can report; the steward's version page, its scrub form and the model-card line read
it; the codes stay in tooltips, the stored report and the API."""
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from datasets_app import pii_kinds
from datasets_app.forms import ColumnRolesForm
from datasets_app.models import DatasetVersion
from datasets_app.scrub_runner import OPTIONAL_ENTITIES
from datasets_app.scrubbing.config import DEFAULT_ENTITIES, OPERATORS
from datasets_app.scrubbing.residual import find_residuals
from tests.datasets_app.factories import DatasetFactory
from tests.html_text import visible_text

pytestmark = pytest.mark.django_db
RAW_CODES = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "IBAN_CODE", "NRP", "ORGANIZATION", "USERNAME")


def shows_code(text: str, code: str) -> bool:
    """The code as a word of its own (not inside a pseudonym such as PERSON_1a2b or a longer code)."""
    return re.search(rf"(?<![A-Za-z0-9_]){code}(?![A-Za-z0-9_])", text) is not None


def test_every_kind_and_operator_has_a_label_and_an_explanation():
    residual_kinds = {kind for kind, _ in find_residuals(
        "Call Jane Smith at +1 415 555 0100 or jane@example.org, SSN 123-45-6789, IBAN GB82WEST12345698765432, "
        "card 4111 1111 1111 1111 from 192.168.1.20")}
    for code in {*DEFAULT_ENTITIES, *OPTIONAL_ENTITIES, *residual_kinds}:
        label, help_text = pii_kinds.PII_KINDS[code]
        assert label and help_text and not shows_code(label, code), code
    assert set(pii_kinds.OPERATOR_LABELS) == set(OPERATORS)
    assert all("<" not in text for _, text in pii_kinds.OPERATOR_LABELS.values())  # no tags in a card line
    assert pii_kinds.pii_kind_label("SOMETHING_NEW") == "Something new"  # an unknown kind still reads as words


def test_operator_summary_for_cards_is_words():
    version = DatasetVersion(operator="surrogate")
    assert version.operator_summary.startswith("Realistic surrogate — each value becomes a realistic fake")


def _scrubbed_version(steward):
    dataset = DatasetFactory(organization=steward.organization, steward=steward)
    return DatasetVersion.objects.create(
        dataset=dataset, number=1, status="scrubbed", created_by=steward, raw_sha256="a" * 64,
        scrubbed_sha256="b" * 64, row_count=3, format="csv", columns=["body", "label"],
        column_roles={"body": {"role": "scrub"}, "label": {"role": "label"}}, text_fields=["body"],
        label_field="label", inspected_at=timezone.now(), operator="pseudonym", residual_count=1,
        pii_report={"rows": 3, "total_findings": 9, "fields": ["body"], "output_columns": ["body", "label"],
                    "by_entity": {"PERSON": 4, "EMAIL_ADDRESS": 2, "US_SSN": 1, "IBAN_CODE": 1, "PHONE_NUMBER": 1},
                    "by_field": {"body": {"PERSON": 4, "US_SSN": 1}},
                    "not_scrubbed": ["ORGANIZATION", "NRP"],
                    "operator": {"name": "pseudonym", "description": "pseudonym: stored by an older scrub"},
                    "residual": {"total": 1, "examples": [{"row": 2, "field": "body", "entity": "PHONE_NUMBER",
                                                           "masked": "+1 4** *** ****"}]},
                    "sample": [{"body": "Hello there", "label": "greeting"}],
                    "config": {"entities": ["PERSON", "EMAIL_ADDRESS", "US_SSN"], "operator": "pseudonym"}},
    )


def test_the_version_page_names_kinds_and_operator_in_words(client, contributor):
    version = _scrubbed_version(contributor)
    client.force_login(contributor)
    html = client.get(reverse("datasets:version-detail", args=[version.pk])).content.decode()
    text = visible_text(html)
    for code in RAW_CODES:
        assert not shows_code(text, code), code
    for label in ("Person's name", "E-mail address", "US social security number", "Bank account (IBAN)",
                  "Phone number", "Organisation", "Nationality, religious or political group"):
        assert label in text, label
    assert "Pseudonym" in text and "pseudonym: stored by" not in text
    # The code is still there for whoever needs it: the tooltip, the glossary link and the stored configuration.
    assert 'title="US_SSN: Nine-digit US SSNs' in html and 'href="/agreements/glossary/#pii-US_SSN"' in html
    assert 'href="/agreements/glossary/#operator-pseudonym"' in html and "&#x27;US_SSN&#x27;" in html


def test_the_scrub_form_offers_kinds_and_operators_in_words(client, contributor):
    form = ColumnRolesForm(columns=["body"])
    assert dict(form.fields["optional_entities"].choices)["NRP"].startswith("Nationality, religious or political")
    version = _scrubbed_version(contributor)
    client.force_login(contributor)
    html = client.get(reverse("datasets:version-detail", args=[version.pk])).content.decode()
    scrub_form = html.split('action="' + reverse("datasets:version-scrub", args=[version.pk]), 1)[1].split("</form>")[0]
    text = visible_text(scrub_form)
    assert "User name or @handle" in text and "Any date" in text and "Realistic surrogate" in text
    for code in ("ORGANIZATION", "NRP", "URL", "USERNAME", "DATE", "PERSON"):
        assert not shows_code(text, code), code
    assert 'value="USERNAME"' in scrub_form and 'value="surrogate"' in scrub_form  # what is posted: codes


def test_the_api_keeps_the_codes(api_client_for, contributor):
    version = _scrubbed_version(contributor)
    body = api_client_for(contributor).get(f"/api/dataset-versions/{version.pk}/").json()
    assert body["operator"] == "pseudonym" and body["operator_label"] == "Pseudonym"
    assert set(body["pii_report"]["by_entity"]) == {"PERSON", "EMAIL_ADDRESS", "US_SSN", "IBAN_CODE", "PHONE_NUMBER"}
    assert body["pii_kind_labels"]["US_SSN"] == "US social security number"
    assert body["pii_kind_labels"]["NRP"] == "Nationality, religious or political group"  # named as not scrubbed
