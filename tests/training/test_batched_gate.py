"""The launch form's batched gate (`check_versions`, `version_eligibility`) and the page-at-once
in-force check (`agreements_problems`, `coverages_for`) refuse exactly what the one-at-a-time
functions refuse (G4), item for item and reason for reason, in a mix of every state — checked
against a reference written out here the way the per-item code read the database before batching."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from agreements import policy
from agreements.models import Agreement, Countersignature, sha256_text
from agreements.selectors import (
    agreement_problems, agreements_problems, coverage_for, coverages_for, signed_version_problem,
)
from agreements.terms import text_carries_conditions
from datasets_app.models import Dataset
from tests.agreements.factories import make_agreement
from tests.training.factories import make_agreement_in_force, make_training_version
from training.gate import _version_reasons, check_version, check_versions, uses_for
from training.selectors import version_eligibility

pytestmark = pytest.mark.django_db
State = Agreement.State


# --- the reference: the per-item reads as they were before batching ---------------------------
def reference_problems(agreement: Agreement, at) -> list[str]:
    agreement = Agreement.objects.select_related("access_request").get(pk=agreement.pk)
    label = f"agreement #{agreement.pk}"
    problems = []
    if agreement.state == State.REVOKED or agreement.revoked_at is not None:
        problems.append(f"{label} was revoked: {agreement.revocation_reason or 'no reason given'}")
    elif agreement.state == State.EXPIRED or (agreement.expires_at is not None and agreement.expires_at <= at):
        when = agreement.expires_at.strftime("%Y-%m-%d %H:%M") if agreement.expires_at else "its end date"
        problems.append(f"{label} expired on {when}")
    elif agreement.state == State.CONDITIONS_PENDING:
        problems.append(f"{label}: legal approved it with conditions the researcher has not yet accepted")
    elif agreement.state != State.APPROVED or agreement.approved_at is None:
        problems.append(f"{label} is not approved by legal (state: {agreement.get_state_display().lower()})")
    if agreement.state == State.APPROVED and agreement.expires_at is None:
        problems.append(f"{label} has no expiry date")
    if not agreement.researcher_accepted:
        problems.append(f"{label} lacks the researcher's acceptance of its terms")
    elif sha256_text(agreement.terms_text) != agreement.accepted_sha256:
        problems.append(f"{label}: its stored terms text is not the text the researcher accepted")
    if not text_carries_conditions(agreement.terms_text, agreement.conditions):
        problems.append(f"{label}: its conditions are not part of the terms the researcher accepted")
    signed = set(Countersignature.objects.filter(agreement=agreement, terms_sha256=agreement.terms_sha256 or "-")
                 .values_list("organization_id", flat=True))
    for org in agreement.required_signatory_organizations():
        if org.pk not in signed:
            problems.append(f"{label} lacks the countersignature of {org.name}")
    return problems


def reference_coverage(version, uses, at, include_terms=True) -> tuple[list[int], list[str]]:
    reasons = [f"{version.dataset.title}: {r}" for r in policy.refusals(version.dataset, uses)] if include_terms else []
    in_force, agreement_reasons = [], []
    for agreement in (Agreement.objects.filter(access_request__dataset_versions=version).exclude(state=State.DRAFT)
                      .select_related("access_request").order_by("pk")):
        problems = reference_problems(agreement, at)
        if (signed := signed_version_problem(agreement, version)) is not None:
            problems.append(signed)
        problems += [f"agreement #{agreement.pk} does not permit {u}" for u in uses
                     if u not in agreement.access_request.intended_uses]
        if problems:
            agreement_reasons.extend(problems)
        else:
            in_force.append(agreement.pk)
    if not in_force:
        reasons = [f"no agreement in force covers {version} for {', '.join(uses) or 'any use'}"] + reasons
        reasons += agreement_reasons
    return in_force, reasons


def reference_check(version, purpose, at) -> tuple[list[str], list[int]]:
    problems = _version_reasons(version, purpose)
    covering, reasons = reference_coverage(version, [str(u) for u in uses_for(purpose)], at, include_terms=False)
    if covering and not reasons:
        return list(dict.fromkeys(problems)), covering
    return list(dict.fromkeys(problems + (reasons or ["no agreement in force covers it for this use."]))), []


# --- a page of versions and agreements in every state --------------------------------------------
@pytest.fixture
def mixed(researcher, legal, contributor):
    steward_a = contributor
    v_ok = make_training_version(organization=steward_a.organization, steward=steward_a, title="A tickets")
    other = make_training_version(title="B claims")
    two_orgs = make_training_version(title="C notes")
    v_nc = make_training_version(title="D reviews", license="CC-BY-NC-4.0")
    v_nmds = make_training_version(title="E logs", use_terms=["NMDS"])
    v_scrubbed = make_training_version(title="F mail", status="scrubbed")
    v_rejected = make_training_version(title="G chat", status="rejected")
    v_bare = make_training_version(title="H forms")
    v_later = make_training_version(dataset=Dataset.objects.get(pk=v_ok.dataset_id))  # a second version

    agreements = {
        "in force, ok": make_agreement_in_force(researcher=researcher, legal=legal, versions=[v_ok]),
        "in force, commercial": make_agreement_in_force(researcher=researcher, legal=legal, versions=[v_ok, v_nc],
                                                        uses=("model_training", "commercial_use")),
        "two orgs, one signature": make_agreement(researcher=researcher, legal=legal, versions=[other, two_orgs],
                                                  state="approved", accepted=True),
        "revoked": make_agreement(researcher=researcher, legal=legal, versions=[other], state="revoked",
                                  accepted=True, countersigned=True),
        "expired by date": make_agreement(researcher=researcher, legal=legal, versions=[two_orgs],
                                          state="approved", accepted=True, countersigned=True, expires_in_days=-1),
        "submitted": make_agreement(researcher=researcher, legal=legal, versions=[v_nmds, v_scrubbed],
                                    state="submitted", accepted=True),
        "draft": make_agreement(researcher=researcher, legal=legal, versions=[v_rejected]),
        "in force, NMDS": make_agreement_in_force(researcher=researcher, legal=legal, versions=[v_nmds]),
        "in force, scrubbed": make_agreement_in_force(researcher=researcher, legal=legal,
                                                      versions=[v_scrubbed, v_rejected]),
        "old signature": make_agreement_in_force(researcher=researcher, legal=legal, versions=[v_later]),
        "digest edited": make_agreement_in_force(researcher=researcher, legal=legal, versions=[v_nc]),
        "text edited": make_agreement_in_force(researcher=researcher, legal=legal, versions=[two_orgs]),
    }
    first_org = agreements["two orgs, one signature"].required_signatory_organizations().first()
    Countersignature.objects.create(agreement=agreements["two orgs, one signature"], organization=first_org,
                                    signed_by=Dataset.objects.filter(organization=first_org).first().steward,
                                    terms_sha256=agreements["two orgs, one signature"].terms_sha256,
                                    signed_at=timezone.now())
    # Terms changed and re-accepted after the steward signed: the signature is on another text.
    amended = agreements["old signature"].terms_text + "\n7. An amended clause.\n"
    Agreement.objects.filter(pk=agreements["old signature"].pk).update(
        terms_text=amended, terms_sha256=sha256_text(amended), accepted_sha256=sha256_text(amended))
    # The stored text edited after acceptance: its digest no longer matches (G4).
    Agreement.objects.filter(pk=agreements["text edited"].pk).update(terms_text="Anything goes.")
    # The signed list edited in the database to name another digest (fail closed, G4).
    Agreement.objects.filter(pk=agreements["digest edited"].pk).update(
        signed_versions=[{"id": v_nc.pk, "sha256": "0" * 64}])
    versions = [v_ok, other, two_orgs, v_nc, v_nmds, v_scrubbed, v_rejected, v_bare, v_later]
    return versions, agreements


@pytest.mark.parametrize("purpose", ["research", "commercial"])
def test_batched_gate_gives_the_per_version_verdicts(mixed, purpose):
    versions, _ = mixed
    at = timezone.now()
    batched = check_versions(versions, purpose=purpose, at=at)
    verdicts = set()
    for version in versions:
        reasons, covering = batched[version.pk]
        expected_reasons, expected_covering = reference_check(version, purpose, at)
        assert reasons == expected_reasons, version
        assert [a.pk for a in covering] == expected_covering, version
        single_reasons, single_covering = check_version(version, purpose=purpose, at=at)
        assert (single_reasons, [a.pk for a in single_covering]) == (reasons, [a.pk for a in covering])
        verdicts.add(not reasons)
    assert verdicts == {True, False}  # the mix holds eligible and refused versions alike


def test_launch_listing_matches_the_per_version_gate(mixed):
    versions, _ = mixed
    rows = version_eligibility(purpose="research", versions=versions)
    assert [row.version.pk for row in rows] == [v.pk for v in versions]
    for row in rows:
        reasons, covering = reference_check(row.version, "research", timezone.now())
        assert (row.eligible, row.reasons, row.agreement_ids) == (not reasons, reasons, covering)
    eligible = {row.version.pk for row in rows if row.eligible}
    v_ok, other, two_orgs, v_nc, v_nmds, v_scrubbed, v_rejected, v_bare, v_later = versions
    assert v_ok.pk in eligible and v_nc.pk in eligible  # v_nc: the commercial agreement covers research too
    assert not eligible & {other.pk, two_orgs.pk, v_nmds.pk, v_scrubbed.pk, v_rejected.pk, v_bare.pk, v_later.pk}


def test_page_of_agreements_gets_the_per_agreement_problems(mixed):
    _, agreements = mixed
    at = timezone.now()
    page = list(Agreement.objects.filter(pk__in=[a.pk for a in agreements.values()]).select_related("access_request"))
    batched = agreements_problems(page, at=at)
    for agreement in page:
        assert batched[agreement.pk] == reference_problems(agreement, at) == agreement_problems(agreement, at=at)
    assert batched[agreements["in force, ok"].pk] == []
    assert any("lacks the countersignature" in p for p in batched[agreements["two orgs, one signature"].pk])
    assert any("lacks the countersignature" in p for p in batched[agreements["old signature"].pk])


@pytest.mark.parametrize("uses", [["model_training"], ["model_training", "commercial_use"], []])
def test_batched_coverage_matches_the_reference(mixed, uses):
    versions, _ = mixed
    at = timezone.now()
    batched = coverages_for(dataset_versions=versions, uses=uses, at=at)
    for version in versions:
        expected_covering, expected_reasons = reference_coverage(version, uses, at)
        assert [a.pk for a in batched[version.pk].agreements] == expected_covering
        assert batched[version.pk].reasons == expected_reasons
        single = coverage_for(dataset_version=version, uses=uses, at=at)
        assert (single.agreements, single.reasons) == (batched[version.pk].agreements, batched[version.pk].reasons)


def test_batched_gate_is_asked_at_the_moment_given(mixed):
    """An agreement in force now is past its end date tomorrow+1y: the batch honours `at` (G4)."""
    versions, agreements = mixed
    later = timezone.now() + dt.timedelta(days=400)
    batched = check_versions(versions, purpose="research", at=later)
    assert all(reasons for reasons, _ in batched.values())
    assert batched[versions[0].pk] == (reference_check(versions[0], "research", later)[0], [])
