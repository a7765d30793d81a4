"""G7 (issue 8, hole 7): a dataset without an approved version is in nobody's catalogue but its own
organisation's: not in the list, not under any `?status=` filter, not on its detail page, not in
the API, not as the request form's `?dataset=`."""
import pytest

from accounts.roles import Role
from datasets_app.models import DatasetVersion
from tests.agreements.factories import make_approved_version
from tests.datasets_app.factories import DatasetFactory

pytestmark = pytest.mark.django_db

SECRET = "Unreleased ward notes from the night shift"


@pytest.fixture
def unapproved(company):
    """Another organisation's dataset whose only version is still being scrubbed."""
    dataset = DatasetFactory(title="Ward notes", description=SECRET)
    DatasetVersion.objects.create(dataset=dataset, number=1, status="scrubbing", created_by=dataset.steward)
    DatasetVersion.objects.create(dataset=dataset, number=2, status="scrubbed", created_by=dataset.steward)
    return dataset


@pytest.fixture
def viewers(researcher, legal, ml_admin):
    return {"researcher": researcher, "legal": legal, "admin": ml_admin}


@pytest.mark.parametrize("who", ["researcher", "legal", "admin"])
@pytest.mark.parametrize("query", ["", "?status=scrubbing", "?status=scrubbed", "?status=approved", "?q=Ward",
                                   "?q=night+shift"])
def test_catalogue_pages_and_filters_never_show_it(who, query, viewers, unapproved, version, client):
    client.force_login(viewers[who])
    page = client.get(f"/agreements/catalogue/{query}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ward notes" not in html and SECRET not in html


@pytest.mark.parametrize("who", ["researcher", "legal", "admin"])
def test_its_detail_page_and_request_form_answer_404(who, viewers, unapproved, client):
    client.force_login(viewers[who])
    assert client.get(f"/agreements/catalogue/{unapproved.pk}/").status_code == 404
    if who == "researcher":
        assert client.get(f"/agreements/request/?dataset={unapproved.pk}").status_code == 404


@pytest.mark.parametrize("query", ["", "?status=scrubbing", "?status=scrubbed", "?q=Ward"])
def test_the_api_catalogue_never_lists_it(query, researcher, unapproved, version, api_client_for):
    body = api_client_for(researcher).get(f"/api/datasets/{query}").json()
    rows = body["results"] if isinstance(body, dict) else body
    assert all(row["id"] != unapproved.pk for row in rows)
    assert SECRET not in str(body)


def test_the_approved_dataset_stays_visible(researcher, version, client):
    client.force_login(researcher)
    assert "Customer support tickets" in client.get("/agreements/catalogue/").content.decode()
    assert client.get(f"/agreements/catalogue/{version.dataset.pk}/").status_code == 200


def test_its_own_steward_still_sees_it(unapproved, client):
    client.force_login(unapproved.steward)
    page = client.get(f"/agreements/catalogue/{unapproved.pk}/")
    assert page.status_code == 200 and "Ward notes" in page.content.decode()


def test_a_steward_of_another_organisation_does_not(unapproved, contributor, client):
    client.force_login(contributor)
    assert client.get(f"/agreements/catalogue/{unapproved.pk}/").status_code == 404


def test_it_appears_once_a_version_is_approved(unapproved, researcher, client):
    make_approved_version(dataset=unapproved, number=3)
    client.force_login(researcher)
    assert client.get(f"/agreements/catalogue/{unapproved.pk}/").status_code == 200


@pytest.mark.parametrize("value", ["abc", "1; DROP", "-1", "999999"])
def test_a_bad_dataset_parameter_on_the_request_form_is_404_not_500(value, researcher, client):
    client.force_login(researcher)
    assert client.get("/agreements/request/", {"dataset": value}).status_code == 404


def test_anonymous_and_auditors_get_nothing(unapproved, make_user, client):
    auditor = make_user(Role.AUDITOR)
    client.force_login(auditor)
    assert client.get(f"/agreements/catalogue/{unapproved.pk}/").status_code in (403, 404)
