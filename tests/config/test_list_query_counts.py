"""Every list page, dashboard and list endpoint runs the same number of queries whatever the
volume of data (issue 11): an N+1 (a template or serializer querying per row, the gate or the
in-force check asked per item) makes the count grow with the rows and fails here.

Also: list pages are paged with their filters kept across pages, and no page offers an unbounded
list."""
from __future__ import annotations

import itertools

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement
from audit.models import AuditEvent
from audit.services import record_event
from tests.agreements.factories import make_agreement, make_approved_version
from tests.datasets_app.factories import DatasetFactory
from training.models import BaseModel, RunState, TrainingRun, TrainingRunInput

pytestmark = pytest.mark.django_db

STATES = itertools.cycle(["submitted", "approved", "in_review", "revoked", "approved", "changes_requested"])
RUN_STATES = itertools.cycle([RunState.QUEUED, RunState.RUNNING, RunState.SUCCEEDED, RunState.DENIED])


@pytest.fixture
def world(contributor, researcher, legal, ml_admin, auditor):
    base = BaseModel.objects.create(name="tiny", source=BaseModel.Source.PATH, local_path="/nowhere",
                                    license="Apache-2.0", supported_tasks=["text_classification"])
    return {"contributor": contributor, "researcher": researcher, "legal": legal, "ml_admin": ml_admin,
            "auditor": auditor, "base": base}


def add_rows(world, n: int) -> None:
    """n more of everything, each row touching the relations a list shows (versions of two
    organisations, countersignatures, run inputs with their agreements, audit events)."""
    steward = world["contributor"]
    for _ in range(n):
        mine = make_approved_version(organization=steward.organization, steward=steward)
        make_approved_version(dataset=mine.dataset)  # a second version of the same dataset
        theirs = make_approved_version()
        DatasetFactory(organization=steward.organization, steward=steward)  # never approved: own org only
        state = next(STATES)
        agreement = make_agreement(researcher=world["researcher"], legal=world["legal"], versions=[mine, theirs],
                                   state=state, accepted=True, countersigned=state != "submitted")
        run = TrainingRun.objects.create(base_model=world["base"], launched_by=world["ml_admin"], label_field="label",
                                         text_fields=["text"], state=next(RUN_STATES))
        for position, version in enumerate((mine, theirs)):
            run_input = TrainingRunInput.objects.create(run=run, dataset_version=version, position=position,
                                                        sha256=version.scrubbed_sha256)
            run_input.agreements.set([agreement])
        with transaction.atomic():
            record_event(actor=world["legal"], action="agreement.approved", target=agreement,
                         before={"state": "in_review"}, after={"state": state})


def pages(world):
    org = world["contributor"].organization_id
    return [
        ("legal", "/agreements/list/"), ("researcher", "/agreements/list/"), ("contributor", "/agreements/list/"),
        ("legal", "/agreements/list/?state=approved"),
        ("legal", "/agreements/review/"), ("legal", f"/agreements/review/?organization={org}"),
        ("legal", "/agreements/review/?state=approved"),
        ("researcher", "/agreements/catalogue/"), ("researcher", "/agreements/catalogue/?q=support"),
        ("researcher", "/agreements/catalogue/?status=approved"),
        ("researcher", "/agreements/request/"),
        ("contributor", "/datasets/"), ("researcher", "/datasets/"),
        ("ml_admin", "/training/"), ("ml_admin", "/training/launch/"),
        ("ml_admin", "/training/launch/?purpose=commercial"),
        ("legal", "/dashboard/"), ("researcher", "/dashboard/"), ("contributor", "/dashboard/"),
        ("ml_admin", "/dashboard/"), ("auditor", "/dashboard/"),
        ("auditor", "/audit/"), ("auditor", "/audit/?action=agreement.&actor=legal"),
        ("legal", "/api/agreements/"), ("researcher", "/api/agreements/"), ("contributor", "/api/agreements/"),
        ("researcher", "/api/datasets/"), ("contributor", "/api/my-datasets/"),
        ("ml_admin", "/api/training-runs/"), ("auditor", "/api/audit-events/"),
    ]


def query_counts(client, world) -> dict[str, int]:
    counts = {}
    for role, url in pages(world):
        client.force_login(world[role])
        assert client.get(url).status_code == 200, url  # warm: sessions, content types
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[f"{role} {url}"] = len(captured)
    return counts


def test_every_list_page_runs_the_same_queries_at_two_volumes(client, world):
    add_rows(world, 6)  # every state of the cycles above at least once
    small = query_counts(client, world)
    add_rows(world, 12)
    large = query_counts(client, world)
    assert large == small
    # ...and the pages did list the larger volume (a count that is constant because the page is
    # empty would prove nothing).
    client.force_login(world["legal"])
    assert len(client.get("/agreements/list/").context["page"]) == Agreement.objects.count() == 18
    client.force_login(world["ml_admin"])
    assert len(client.get("/training/").context["page"]) == 18
    client.force_login(world["auditor"])
    assert len(client.get("/audit/").context["page"]) == AuditEvent.objects.count()


def test_list_pages_are_paged_and_keep_their_filters(client, world):
    add_rows(world, 6)
    client.force_login(world["legal"])
    first = client.get("/agreements/list/", {"state": "approved", "per_page": 1})
    page = first.context["page"]
    assert len(page) == 1 and page.has_next and "state=approved" in page.next_url and "page=2" in page.next_url
    second = client.get("/agreements/list/" + page.next_url)
    assert second.context["page"].number == 2
    assert all(a.state == "approved" for a in second.context["page"])
    seen = [a.pk for a in first.context["page"]] + [a.pk for a in second.context["page"]]
    assert len(set(seen)) == 2  # no row twice
    assert 'rel="next"' in first.content.decode()


def test_page_size_is_bounded(client, world, settings):
    add_rows(world, 3)
    settings.ACCORD_MAX_PAGE_SIZE = 2
    client.force_login(world["legal"])
    assert len(client.get("/agreements/list/", {"per_page": 10_000}).context["page"]) == 2
    from config.pagination import DefaultPagination

    assert DefaultPagination.max_limit >= 1  # the API's bound (settings.ACCORD_MAX_PAGE_SIZE at import)


def test_ledger_pages_by_seq_without_offset(client, world):
    add_rows(world, 5)
    client.force_login(world["auditor"])
    first = client.get("/audit/", {"per_page": 2, "action": "agreement."})
    assert [e.seq for e in first.context["page"]] == [5, 4]
    older = client.get("/audit/" + first.context["page"].next_url)
    assert [e.seq for e in older.context["page"]] == [3, 2]
    assert "action=agreement." in first.context["page"].next_url
    newer = client.get("/audit/" + older.context["page"].previous_url)
    assert [e.seq for e in newer.context["page"]] == [5, 4]
    last = client.get("/audit/" + older.context["page"].next_url)
    assert [e.seq for e in last.context["page"]] == [1] and not last.context["page"].has_next


def test_audit_api_is_cursor_paged(api_client_for, world):
    add_rows(world, 3)
    client = api_client_for(world["auditor"])
    body = client.get("/api/audit-events/", {"page_size": 2}).json()
    assert [e["seq"] for e in body["results"]] == [3, 2] and body["next"]
    assert [e["seq"] for e in client.get(body["next"]).json()["results"]] == [1]


def test_dashboard_panels_are_bounded(client, world):
    """Twelve agreements wait for the steward's countersignature: the panel shows a few and says
    how many, with a link to all of them."""
    from agreements.selectors import countersign_summary

    steward = world["contributor"]
    for _ in range(12):
        mine = make_approved_version(organization=steward.organization, steward=steward)
        make_agreement(researcher=world["researcher"], versions=[mine], state="submitted", accepted=True)
    summary = countersign_summary(steward)
    assert summary["count"] == 12 and len(summary["agreements"]) == 8
    client.force_login(steward)
    page = client.get("/dashboard/").content.decode()
    assert "see all" in page and ">12<" in page


def test_launch_form_lists_one_page_of_versions(client, world):
    """The form pages its versions (each page judged by the gate in one batched pass)."""
    add_rows(world, 2)
    client.force_login(world["ml_admin"])
    response = client.get("/training/launch/", {"per_page": 1})
    listed = response.context["eligible"] + response.context["ineligible"]
    assert len(listed) == 1 and response.context["page"].has_next
    second = client.get("/training/launch/" + response.context["page"].next_url)
    again = second.context["eligible"] + second.context["ineligible"]
    assert len(again) == 1 and again[0].version.pk != listed[0].version.pk


def test_agreement_versions_render_without_a_query_per_row(client, world):
    add_rows(world, 3)
    client.force_login(world["legal"])
    with CaptureQueriesContext(connection) as captured:
        client.get("/agreements/list/")
    per_version = [q for q in captured.captured_queries if 'FROM "datasets_app_dataset"' in q["sql"]
                   and "WHERE" in q["sql"] and '"id" = ' in q["sql"]]
    assert per_version == []  # DatasetVersion.__str__ finds its dataset already loaded


def test_api_lists_are_paged_without_a_count(api_client_for, world, settings):
    """`?limit=` is bounded, `next` walks every row once, and no total is counted."""
    add_rows(world, 5)
    client = api_client_for(world["legal"])
    body = client.get("/api/agreements/", {"limit": 2}).json()
    assert "count" not in body and len(body["results"]) == 2 and body["previous"] is None
    seen = [a["id"] for a in body["results"]]
    while body["next"]:
        body = client.get(body["next"]).json()
        seen += [a["id"] for a in body["results"]]
    assert sorted(seen) == sorted(Agreement.objects.values_list("pk", flat=True)) and len(seen) == len(set(seen))
    huge = client.get("/api/agreements/", {"limit": 10_000}).json()
    from config.pagination import DefaultPagination

    assert len(huge["results"]) == min(5, DefaultPagination.max_limit)


def test_legal_panel_names_the_oldest_waiting_request_of_either_state(world):
    from django.utils import timezone

    from agreements.selectors import queue_summary

    add_rows(world, 6)
    pending = Agreement.objects.filter(state__in=Agreement.PENDING_REVIEW).order_by("pk")
    assert {a.state for a in pending} == {"submitted", "in_review"}
    target = pending.filter(state="in_review").last()
    Agreement.objects.filter(pk=target.pk).update(submitted_at=timezone.now() - timezone.timedelta(days=30))
    summary = queue_summary(world["legal"])
    assert summary["count"] == pending.count() and summary["oldest_agreement"].pk == target.pk
    assert summary["oldest"] == Agreement.objects.get(pk=target.pk).submitted_at
