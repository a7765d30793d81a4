"""The catalogue's search and organisation filter at any number of datasets and organisations
(issue 11): the search is served by trigram indexes on PostgreSQL and still works on SQLite; the
organisation filter is a name box with a bounded list of suggestions, never a drop-down of every
organisation."""
from __future__ import annotations

import re

import pytest
from django.db import connection

from accounts.models import Organization
from agreements.selectors import ORGANISATION_SUGGESTIONS
from tests.accounts.factories import OrganizationFactory
from tests.agreements.factories import make_agreement, make_approved_version

pytestmark = pytest.mark.django_db


def titles(response) -> set[str]:
    return {row["dataset"].title for row in response.context["rows"]}


@pytest.fixture
def catalogue():
    radiology = OrganizationFactory(name="St Mary Radiology")
    clinic = OrganizationFactory(name="North Clinic")
    make_approved_version(title="Chest X-ray reports", description="Free-text findings, anonymised", tags=["imaging"],
                          organization=radiology)
    make_approved_version(title="Discharge summaries", description="Ward letters about FOLLOW-UP care",
                          tags=["letters"], organization=clinic)
    make_approved_version(title="Support tickets", description="Customer e-mails", tags=["retail", "chat"])
    return {"radiology": radiology, "clinic": clinic}


@pytest.mark.parametrize("query, expected", [
    ("x-ray", {"Chest X-ray reports"}),                      # title, any case
    ("follow-up", {"Discharge summaries"}),                  # description, inside a word run
    ("IMAGING", {"Chest X-ray reports"}),                     # tags
    ("radiology", {"Chest X-ray reports"}),                   # the organisation's name
    ("clinic letters", {"Discharge summaries"}),               # every word must match, in any field
    ("ticket", {"Support tickets"}),                          # a part of a word
    ("clinic imaging", set()),
    ("nothing-like-this", set()),
])
def test_search_matches_every_word_anywhere(client, researcher, catalogue, query, expected):
    client.force_login(researcher)
    response = client.get("/agreements/catalogue/", {"q": query})
    assert response.status_code == 200 and titles(response) == expected


def test_datasets_list_search_matches_title_and_description(client, researcher, catalogue):
    client.force_login(researcher)
    assert {d.title for d in client.get("/datasets/", {"q": "free-TEXT"}).context["datasets"]} == \
        {"Chest X-ray reports"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm exists on PostgreSQL only")
def test_search_is_served_by_trigram_indexes_on_postgresql(catalogue):
    """The GIN indexes exist and serve the very SQL the filter runs (Django's `icontains`), for each
    field; the planner is told to avoid scans so a three-row table still shows the indexes."""
    from agreements.filters import CatalogueFilter
    from agreements.selectors import catalogue_datasets

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'datasets_app_dataset'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"dataset_title_trgm", "dataset_description_trgm", "dataset_tags_trgm"} <= names
    qs = CatalogueFilter({"q": "radiolo"}, queryset=catalogue_datasets()).qs
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # bitmap scans only: the OR of the indexes
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for index in ("dataset_title_trgm", "dataset_description_trgm", "dataset_tags_trgm"):
        assert index in plan, plan
    assert "BitmapOr" in plan
    assert {d.title for d in qs} == {"Chest X-ray reports"}


def test_organisation_filter_is_a_name_box_with_bounded_suggestions(client, researcher, catalogue):
    for i in range(ORGANISATION_SUGGESTIONS + 5):
        make_approved_version(organization=OrganizationFactory(name=f"Lab {i:03d}"))
    client.force_login(researcher)
    html = client.get("/agreements/catalogue/").content.decode()
    assert '<select name="organization"' not in html
    assert re.search(r'<input type="search" name="organization_name" list="organisation-options"', html)
    datalist = re.search(r'<datalist id="organisation-options">(.*?)</datalist>', html, re.S).group(1)
    assert datalist.count("<option") == ORGANISATION_SUGGESTIONS < Organization.objects.count()


def test_organisation_filter_by_name_any_case(client, researcher, catalogue):
    client.force_login(researcher)
    assert titles(client.get("/agreements/catalogue/", {"organization_name": "north clinic"})) == \
        {"Discharge summaries"}
    assert titles(client.get("/agreements/catalogue/", {"organization_name": "North"})) == set()  # a name, not a part
    by_id = client.get("/agreements/catalogue/", {"organization": catalogue["radiology"].pk})
    assert titles(by_id) == {"Chest X-ray reports"}  # links and the API still filter by id


def test_organisation_suggestions_follow_the_typing_and_stay_bounded(client, researcher, catalogue):
    for i in range(ORGANISATION_SUGGESTIONS + 5):
        make_approved_version(organization=OrganizationFactory(name=f"Lab {i:03d}"))
    OrganizationFactory(name="Lab without datasets")
    client.force_login(researcher)
    answer = client.get("/agreements/organisations/", {"organization_name": "lab 01"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert re.findall(r'<option value="([^"]+)">', answer.content.decode()) == [f"Lab {i:03d}" for i in range(10, 20)]
    every = re.findall(r"<option", client.get("/agreements/organisations/", {"organization_name": "lab"}).content.decode())
    assert len(every) == ORGANISATION_SUGGESTIONS


def test_organisation_suggestions_need_a_role_that_browses(client, make_user, catalogue):
    assert client.get("/agreements/organisations/").status_code == 302  # signed out: to the sign-in page
    client.force_login(make_user(username="nobody"))
    assert client.get("/agreements/organisations/").status_code == 403


def test_queue_filters_by_the_data_organisation_name(client, legal, researcher, catalogue):
    mine = make_approved_version(organization=catalogue["clinic"])
    other = make_approved_version(organization=catalogue["radiology"])
    wanted = make_agreement(researcher=researcher, versions=[mine], state="submitted", accepted=True)
    make_agreement(researcher=researcher, versions=[other], state="submitted", accepted=True)
    client.force_login(legal)
    response = client.get("/agreements/review/", {"organization_name": "NORTH CLINIC"})
    assert [a.pk for a in response.context["page"]] == [wanted.pk]
    assert '<select name="organization"' not in response.content.decode()
    assert list(client.get("/agreements/review/", {"organization_name": "Nobody Ltd"}).context["page"]) == []


def test_api_catalogue_filters_by_organisation_id_and_name(api_client_for, researcher, catalogue):
    client = api_client_for(researcher)
    by_id = client.get("/api/datasets/", {"organization": catalogue["clinic"].pk}).json()["results"]
    by_name = client.get("/api/datasets/", {"organization_name": "st mary radiology"}).json()["results"]
    assert [d["title"] for d in by_id] == ["Discharge summaries"]
    assert [d["title"] for d in by_name] == ["Chest X-ray reports"]
