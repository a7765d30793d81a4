"""Readable words (issue 13): the glossary explains every use term, licence class and intended use;
pages show use-term codes with their names and licence classes in words, never a raw code alone."""
from agreements.glossary import INTENDED_USE_HELP, LICENCE_CLASS_LABELS, USE_TERM_HELP
from agreements.models import IntendedUse
from datasets_app.licenses import LicenceClass
from datasets_app.models import UseTerm
from tests.agreements.factories import make_agreement, make_approved_version


def test_every_code_has_an_explanation():
    assert set(USE_TERM_HELP) == set(UseTerm) and all(USE_TERM_HELP.values())
    assert set(LICENCE_CLASS_LABELS) == set(LicenceClass)
    assert set(INTENDED_USE_HELP) == set(IntendedUse) and all(INTENDED_USE_HELP.values())


def test_glossary_page_lists_them(client, researcher):
    client.force_login(researcher)
    body = client.get("/agreements/glossary/").content.decode()
    for term in UseTerm:
        assert f'id="term-{term.value}"' in body and term.label in body
    assert "Non-commercial" in body and "Publishing the trained model" in body
    assert 'href="/agreements/glossary/"' in body  # reachable from the navigation


def test_catalogue_and_dataset_pages_explain_terms_and_licences(client, researcher, contributor):
    version = make_approved_version(organization=contributor.organization, steward=contributor,
                                    license="CC-BY-NC-4.0", use_terms=["GRU", "NCU"])
    client.force_login(researcher)
    for url in ("/agreements/catalogue/", f"/agreements/catalogue/{version.dataset_id}/"):
        body = client.get(url).content.decode()
        assert 'title="Non-commercial use only"' in body and "#term-NCU" in body, url
        assert ">Non-commercial<" in body and ">non_commercial<" not in body, url
    agreement = make_agreement(researcher=researcher, versions=[version])
    body = client.get(f"/agreements/{agreement.pk}/").content.decode()
    assert 'title="General research use"' in body and "(non_commercial)" not in body


def test_researcher_dashboard_says_in_force(client, researcher, legal, contributor):
    version = make_approved_version(organization=contributor.organization, steward=contributor)
    make_agreement(researcher=researcher, versions=[version], state="approved", accepted=True,
                   countersigned=True, legal=legal)
    client.force_login(researcher)
    body = client.get("/dashboard/").content.decode()
    assert "status-in_force" in body and ">In force<" in body
