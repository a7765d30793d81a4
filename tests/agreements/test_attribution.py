"""attribution_for: combined attribution and the most restrictive constraints winning."""
import pytest

from agreements.attribution import attribution_for
from datasets_app.licenses import LicenceClass, classify
from tests.agreements.factories import DatasetContributorFactory, make_approved_version

pytestmark = pytest.mark.django_db


def test_licence_classes():
    assert classify("CC-BY-NC-SA-4.0").classes == {LicenceClass.ATTRIBUTION, LicenceClass.NON_COMMERCIAL,
                                                   LicenceClass.SHARE_ALIKE}
    assert classify("cc0-1.0").classes == {LicenceClass.PERMISSIVE}
    assert classify("ODbL-1.0").share_alike and not classify("ODbL-1.0").non_commercial
    assert classify("LicenseRef-Helix-Internal").proprietary
    assert not classify("LicenseRef-Helix-Internal").commercial_use_allowed
    assert classify("Something-Else").proprietary


def test_permissive_inputs_allow_commercial_use():
    a = make_approved_version(title="A", license="CC0-1.0", use_terms=["GRU"])
    b = make_approved_version(title="B", license="CC-BY-4.0", use_terms=["GRU"])
    result = attribution_for([b, a])
    eff = result["effective"]
    assert eff["commercial_use_allowed"] is True
    assert eff["share_alike"] is False
    assert eff["attribution_required"] is True  # CC-BY
    assert eff["licenses"] == ["CC0-1.0", "CC-BY-4.0"]
    assert eff["license_expression"] == "CC0-1.0 AND CC-BY-4.0"
    assert [d["title"] for d in result["datasets"]] == ["A", "B"]
    assert result["datasets"][1]["scrubbed_sha256"] == b.scrubbed_sha256


def test_one_non_commercial_input_makes_the_result_non_commercial():
    a = make_approved_version(title="A", license="CC-BY-4.0")
    b = make_approved_version(title="B", license="CC-BY-NC-4.0")
    eff = attribution_for([a, b])["effective"]
    assert eff["commercial_use_allowed"] is False
    assert any("CC-BY-NC-4.0 is non-commercial" in c for c in eff["constraints"])


def test_ncu_term_makes_the_result_non_commercial_under_a_permissive_licence():
    a = make_approved_version(title="A", license="CC-BY-4.0", use_terms=["NCU"])
    eff = attribution_for([a])["effective"]
    assert eff["commercial_use_allowed"] is False
    assert any("NCU" in c for c in eff["constraints"])


def test_share_alike_propagates():
    a = make_approved_version(title="A", license="CC0-1.0")
    b = make_approved_version(title="B", license="CC-BY-SA-4.0")
    eff = attribution_for([a, b])["effective"]
    assert eff["share_alike"] is True and eff["commercial_use_allowed"] is True
    both = attribution_for([make_approved_version(title="C", license="CC-BY-NC-SA-4.0"), a])["effective"]
    assert both["share_alike"] is True and both["commercial_use_allowed"] is False


def test_contributors_from_the_ledger_and_the_licensor():
    version = make_approved_version(title="A", license="CC-BY-4.0")
    DatasetContributorFactory(dataset=version.dataset, name="Dr. Ada Lovelace", kind="person", role="creator")
    result = attribution_for([version])
    contributors = result["datasets"][0]["contributors"]
    assert {"name": version.dataset.organization.name, "kind": "organization", "role": "licensor"} in contributors
    assert {"name": "Dr. Ada Lovelace", "kind": "person", "role": "creator"} in contributors
    assert version.dataset.attribution_text in result["attribution_text"]
