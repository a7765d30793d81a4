"""agreement_in_force (each missing piece), coverage_for reasons and scoping."""
import datetime as dt

import pytest
from django.utils import timezone

from agreements.models import Countersignature
from agreements.selectors import agreement_in_force, agreement_problems, agreements_visible_to, coverage_for
from tests.agreements.factories import make_agreement, make_approved_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(contributor):
    return make_approved_version(organization=contributor.organization, steward=contributor,
                                 title="Customer support tickets")


def test_fully_signed_approved_agreement_is_in_force(researcher, legal, version):
    agreement = make_agreement(researcher=researcher, versions=[version], state="approved", accepted=True,
                               countersigned=True, legal=legal)
    assert agreement_in_force(agreement)
    assert agreement_problems(agreement) == []


def test_missing_researcher_acceptance_is_not_in_force(researcher, legal, version):
    agreement = make_agreement(researcher=researcher, versions=[version], state="approved", accepted=False,
                               countersigned=True, legal=legal)
    assert not agreement_in_force(agreement)
    assert any("acceptance" in p for p in agreement_problems(agreement))


def test_acceptance_of_another_text_does_not_count(researcher, legal, version):
    agreement = make_agreement(researcher=researcher, versions=[version], state="approved", accepted=True,
                               countersigned=True, legal=legal)
    agreement.accepted_sha256 = "0" * 64
    assert not agreement_in_force(agreement)


def test_each_missing_countersignature_is_named(researcher, legal, version, make_user):
    other = make_approved_version(title="Clinic notes")
    agreement = make_agreement(researcher=researcher, versions=[version, other], state="approved", accepted=True,
                               countersigned=True, legal=legal)
    assert agreement_in_force(agreement)
    Countersignature.objects.filter(agreement=agreement, organization=other.dataset.organization).delete()
    problems = agreement_problems(agreement)
    assert problems == [f"agreement #{agreement.pk} lacks the countersignature of {other.dataset.organization.name}"]
    assert not agreement_in_force(agreement)


def test_not_approved_is_not_in_force(researcher, version):
    for state in ("draft", "submitted", "in_review", "changes_requested", "rejected"):
        agreement = make_agreement(researcher=researcher, versions=[version], state=state, accepted=True,
                                   countersigned=True)
        assert not agreement_in_force(agreement), state


def test_expired_and_revoked_are_not_in_force(researcher, legal, version):
    agreement = make_agreement(researcher=researcher, versions=[version], state="approved", accepted=True,
                               countersigned=True, legal=legal, expires_in_days=30)
    assert agreement_in_force(agreement)
    assert not agreement_in_force(agreement, at=timezone.now() + dt.timedelta(days=31))
    revoked = make_agreement(researcher=researcher, versions=[version], state="revoked", accepted=True,
                             countersigned=True, legal=legal)
    assert not agreement_in_force(revoked)
    assert f"agreement #{revoked.pk} was revoked: breach of terms" in agreement_problems(revoked)


def test_coverage_lists_in_force_agreements_and_every_reason(researcher, legal, version):
    cov = coverage_for(dataset_version=version, uses=["model_training"])
    assert not cov.covered
    assert cov.reasons == ["no agreement in force covers Customer support tickets v1 for model_training"]

    revoked = make_agreement(researcher=researcher, versions=[version], state="revoked", accepted=True,
                             countersigned=True, legal=legal)
    training_only = make_agreement(researcher=researcher, versions=[version], state="approved", accepted=True,
                                   countersigned=True, legal=legal)
    cov = coverage_for(dataset_version=version, uses=["model_training", "commercial_use"])
    assert not cov.covered
    assert f"agreement #{revoked.pk} was revoked: breach of terms" in cov.reasons
    assert f"agreement #{training_only.pk} does not permit commercial_use" in cov.reasons

    cov = coverage_for(dataset_version=version, uses=["model_training"])
    assert cov.covered and cov.agreements == [training_only] and cov.reasons == []


def test_dataset_terms_block_coverage_even_with_an_agreement(researcher, legal, contributor):
    nmds = make_approved_version(organization=contributor.organization, steward=contributor, title="Forum posts",
                                 use_terms=["NMDS"])
    make_agreement(researcher=researcher, versions=[nmds], state="approved", accepted=True, countersigned=True,
                   legal=legal)
    cov = coverage_for(dataset_version=nmds, uses=["model_training"])
    assert not cov.covered
    assert ("Forum posts: terms NMDS forbid methods and model development, so model training is not allowed"
            in cov.reasons)

    ncu = make_approved_version(organization=contributor.organization, steward=contributor, title="Chats",
                                use_terms=["NCU"])
    make_agreement(researcher=researcher, versions=[ncu], uses=["model_training", "commercial_use"],
                   state="approved", accepted=True, countersigned=True, legal=legal)
    cov = coverage_for(dataset_version=ncu, uses=["model_training", "commercial_use"])
    assert not cov.covered and "Chats: terms NCU allow non-commercial use only" in cov.reasons


def test_visibility_is_scoped(researcher, make_user, university, legal, contributor, version, ml_admin):
    from accounts.roles import Role

    other_researcher = make_user(Role.RESEARCHER, organization=university)
    mine = make_agreement(researcher=researcher, versions=[version], state="submitted", accepted=True)
    theirs = make_agreement(researcher=other_researcher, versions=[version], state="submitted", accepted=True)
    foreign = make_approved_version(title="Elsewhere")
    elsewhere = make_agreement(researcher=researcher, versions=[foreign], state="submitted", accepted=True)
    assert set(agreements_visible_to(researcher)) == {mine, elsewhere}
    assert set(agreements_visible_to(other_researcher)) == {theirs}
    assert set(agreements_visible_to(contributor)) == {mine, theirs}
    assert set(agreements_visible_to(legal)) == {mine, theirs, elsewhere}
    assert set(agreements_visible_to(ml_admin)) == {mine, theirs, elsewhere}
