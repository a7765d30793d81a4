"""Readable words (issue 13): the glossary explains every use term, licence class, intended use, PII kind
and scrub operator; pages show use-term codes with their names, and licence classes and PII kinds in words,
never a raw code alone."""
import re

from agreements.glossary import INTENDED_USE_HELP, LICENCE_CLASS_LABELS, USE_TERM_HELP
from agreements.models import IntendedUse
from datasets_app.licenses import LicenceClass
from datasets_app.models import UseTerm
from datasets_app.pii_kinds import PII_KINDS
from tests.agreements.factories import make_agreement, make_approved_version
from tests.html_text import visible_text


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


def test_glossary_page_explains_pii_kinds_and_scrub_operators(client, researcher):
    client.force_login(researcher)
    body = client.get("/agreements/glossary/").content.decode()
    section = body.split('id="pii-kinds"', 1)[1].split("</section>", 1)[0]
    for code, (label, _) in PII_KINDS.items():
        assert f'id="pii-{code}"' in section and label in visible_text(section), code
    assert "Scrubbed only when the steward adds it" in section
    operators = body.split('id="scrub-operators"', 1)[1].split("</section>", 1)[0]
    assert 'id="operator-surrogate"' in operators and "Realistic surrogate" in operators


def test_catalogue_and_review_pages_name_pii_kinds_in_words(client, researcher, legal, contributor):
    by_entity = {"PERSON": 40, "EMAIL_ADDRESS": 12, "US_SSN": 3, "IBAN_CODE": 2, "NRP": 1}
    version = make_approved_version(organization=contributor.organization, steward=contributor,
                                    pii_report={"by_entity": by_entity, "residual": {"total": 0}})
    agreement = make_agreement(researcher=researcher, versions=[version], state="submitted", accepted=True)
    for user, url in ((researcher, f"/agreements/catalogue/{version.dataset_id}/"),
                      (researcher, f"/agreements/{agreement.pk}/"), (legal, f"/agreements/{agreement.pk}/")):
        client.force_login(user)
        html = client.get(url).content.decode()
        text = visible_text(html)
        for code in ("PERSON", "EMAIL_ADDRESS", "US_SSN", "IBAN_CODE", "NRP"):
            assert re.search(rf"(?<![A-Za-z0-9_]){code}(?![A-Za-z0-9_])", text) is None, (url, code)
        for label in ("Person's name", "E-mail address", "US social security number", "Bank account (IBAN)",
                      "Nationality, religious or political group"):
            assert label in text, (url, label)
        assert 'href="/agreements/glossary/#pii-US_SSN" title="US_SSN: ' in html, url
