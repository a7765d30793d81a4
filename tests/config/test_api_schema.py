"""The OpenAPI schema describes each operation in its own words (issue 13): every operation has a
summary and no two share one (all eight agreement actions used to read "Revoke")."""
from collections import Counter

from drf_spectacular.generators import SchemaGenerator


def _operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_operation_has_a_summary_of_its_own():
    operations = dict(_operations())
    assert len(operations) >= 30
    missing = [name for name, op in operations.items() if not op.get("summary")]
    assert missing == []
    counts = Counter(op["summary"] for op in operations.values())
    assert {s: n for s, n in counts.items() if n > 1} == {}


def test_agreement_actions_say_what_they_do():
    operations = dict(_operations())
    summaries = {name.split("/")[-2]: op["summary"] for name, op in operations.items()
                 if name.startswith("POST /api/agreements/{id}/")}
    assert summaries["revoke"].startswith("Revoke")
    assert summaries["approve"].startswith("Approve")
    assert summaries["submit"] == "Submit for legal review"
    assert summaries["withdraw"].startswith("Withdraw")
    assert len(set(summaries.values())) == len(summaries) == 9


def test_withdraw_through_the_api(researcher, legal, api_client_for):
    from agreements.models import Agreement
    from tests.agreements.factories import make_agreement, make_approved_version

    version = make_approved_version()
    draft = make_agreement(researcher=researcher, versions=[version])
    assert api_client_for(legal).post(f"/api/agreements/{draft.pk}/withdraw/").status_code == 403
    response = api_client_for(researcher).post(f"/api/agreements/{draft.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["state"] == "withdrawn"
    assert Agreement.objects.get(pk=draft.pk).state == Agreement.State.WITHDRAWN
