"""Server-rendered pages: scoping, refusals shown as messages, the live use-term check, the demo step."""
import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from agreements.models import Agreement
from tests.html_text import visible_text

pytestmark = pytest.mark.django_db


def test_researcher_cannot_open_anothers_agreement_page(client, submitted, make_user, university):
    other = make_user(Role.RESEARCHER, organization=university)
    client.force_login(other)
    assert client.get(f"/agreements/{submitted.pk}/").status_code == 404
    assert client.post(f"/agreements/{submitted.pk}/submit/").status_code == 404


def test_researcher_cannot_open_the_queue_or_approve_in_the_browser(client, submitted, researcher):
    client.force_login(researcher)
    assert client.get("/agreements/review/").status_code == 403
    resp = client.post(f"/agreements/{submitted.pk}/approve/", {"expires_at": "2099-01-01"}, follow=True)
    assert "Only legal reviewers can approve" in resp.content.decode()
    assert Agreement.objects.get(pk=submitted.pk).state == "submitted"


def test_queue_filters_and_review_page(client, submitted, legal, version):
    client.force_login(legal)
    page = client.get("/agreements/review/").content.decode()
    assert "Ticket router" in page
    assert "Ticket router" not in client.get("/agreements/review/?older_than_days=3").content.decode()
    assert "Ticket router" not in client.get("/agreements/review/?state=approved").content.decode()
    detail = client.get(f"/agreements/{submitted.pk}/").content.decode()
    for expected in ("Legal decision", "terms GRU allow general research use", "CC-BY-4.0",
                     submitted.terms_text.splitlines()[0]):
        assert expected in detail
    assert "Person's name : 40" in visible_text(detail)  # the PII summary in words, not the PERSON code


def test_live_use_check_partial(client, researcher, contributor, end_date):
    from tests.agreements.factories import make_approved_version

    nmds = make_approved_version(organization=contributor.organization, steward=contributor, title="Forum",
                                 use_terms=["NMDS"], license="CC-BY-NC-4.0")
    client.force_login(researcher)
    resp = client.post("/agreements/request/check/", {
        "dataset_versions": [nmds.pk], "intended_uses": ["model_training", "commercial_use"],
        "requested_end_date": end_date.isoformat()}, HTTP_HX_REQUEST="true")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "NMDS forbid methods and model development" in html and "licence CC-BY-NC-4.0 is non-commercial" in html
    assert "status-deny" in html


def test_request_form_creates_a_draft_and_reports_bad_input(client, researcher, version):
    client.force_login(researcher)
    resp = client.post("/agreements/request/", {
        "dataset_versions": [version.pk], "project_title": "P", "purpose": "Q", "intended_uses": ["model_training"],
        "requested_end_date": (timezone.localdate() - dt.timedelta(days=2)).isoformat()})
    assert resp.status_code == 200 and "must be in the future" in resp.content.decode()
    assert not Agreement.objects.exists()
    resp = client.post("/agreements/request/", {
        "dataset_versions": [version.pk], "project_title": "P", "purpose": "Q", "intended_uses": ["model_training"],
        "requested_end_date": (timezone.localdate() + dt.timedelta(days=20)).isoformat()})
    agreement = Agreement.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/agreements/{agreement.pk}/"


def test_catalogue_page_and_dataset_page(client, researcher, version, contributor):
    client.force_login(researcher)
    assert "Customer support tickets" in client.get("/agreements/catalogue/?use_term=GRU").content.decode()
    assert "Customer support tickets" not in client.get("/agreements/catalogue/?use_term=NMDS").content.decode()
    page = client.get(f"/agreements/catalogue/{version.dataset.pk}/").content.decode()
    assert "Request access" in page and "EMAIL_ADDRESS" in page
    client.force_login(contributor)
    assert client.get("/agreements/catalogue/").status_code == 403


def test_dashboard_panels(client, submitted, researcher, legal, contributor):
    client.force_login(legal)
    assert "Legal review queue" in client.get("/dashboard/").content.decode()
    client.force_login(contributor)
    page = client.get("/dashboard/").content.decode()
    assert "Awaiting your countersignature" in page and "Ticket router" in page
    client.force_login(researcher)
    assert "My access requests" in client.get("/dashboard/").content.decode()


def test_demo_step_is_idempotent(researcher, legal, contributor, version):
    from django.contrib.auth import get_user_model

    from agreements.demo import seed_agreements
    from agreements.selectors import agreement_in_force

    User = get_user_model()
    User.objects.filter(pk=contributor.pk).update(username="contributor")
    logs = []
    seed_agreements(logs.append)
    seed_agreements(logs.append)
    assert Agreement.objects.count() == 2
    in_force = Agreement.objects.get(access_request__project_title="Support ticket routing model")
    assert agreement_in_force(in_force)
    assert sorted(in_force.access_request.intended_uses) == ["model_training", "publish_model"]
    assert Agreement.objects.get(access_request__project_title="Multilingual ticket summariser").state == "submitted"
    assert any("exists" in line for line in logs)


def test_list_and_queue_say_in_force_or_what_an_approved_agreement_waits_for(client, in_force, submitted, legal,
                                                                             researcher, version, end_date):
    """Issue 13: "Approved" alone reads as done; the lists say "In force" only when it is (G4's function)."""
    from agreements import services

    waiting = services.access_request_create(
        dataset_versions=[version], project_title="Second study", purpose="Route tickets.",
        intended_uses=["model_training"], requested_end_date=end_date, actor=researcher)
    services.agreement_accept_terms(agreement=waiting, terms_sha256=waiting.terms_sha256, ip=None, actor=researcher)
    services.agreement_submit(agreement=waiting, actor=researcher)
    services.agreement_approve(agreement=waiting, expires_at=timezone.localdate() + dt.timedelta(days=30), actor=legal)
    client.force_login(researcher)
    rows = {a.pk: a.display_label for a in client.get("/agreements/list/").context["page"]}
    assert rows == {in_force.pk: "In force", waiting.pk: "Approved, awaiting countersignature"}
    client.force_login(legal)
    page = client.get("/agreements/review/?state=approved").content.decode()
    assert "In force" in page and "Approved, awaiting countersignature" in page


def test_the_steward_reaches_the_attribution_ledger_from_their_dataset_page(client, contributor, version):
    """Issue 13: the ledger was reachable only through a button called "Catalogue page"."""
    client.force_login(contributor)
    page = client.get(f"/datasets/{version.dataset_id}/").content.decode()
    link = f'href="/agreements/catalogue/{version.dataset_id}/#attribution-ledger">Attribution ledger</a>'
    assert link in page
    ledger = client.get(f"/agreements/catalogue/{version.dataset_id}/").content.decode()
    assert 'id="attribution-ledger"' in ledger and "Add contributor" in ledger
