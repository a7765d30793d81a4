"""check_intended_uses: DUOS-style matching of intended uses to each dataset's terms and licence."""
import datetime as dt

import pytest
from django.utils import timezone

from agreements.use_checks import check_intended_uses, overall_decision
from tests.accounts.factories import OrganizationFactory
from tests.agreements.factories import make_approved_version

pytestmark = pytest.mark.django_db


def _check(uses, *, terms=(), licence="CC-BY-4.0", org_kind="academic", end_days=90, time_limit=None):
    version = make_approved_version(title="Tickets", use_terms=list(terms), license=licence,
                                    time_limit_days=time_limit)
    org = OrganizationFactory(kind=org_kind)
    checks = check_intended_uses([version], uses, org, timezone.localdate() + dt.timedelta(days=end_days))
    return [(c.decision, c.reason) for c in checks], overall_decision(checks)


def test_gru_approves():
    checks, overall = _check(["model_training"], terms=["GRU"])
    assert overall == "approve" and checks == [("approve", "Tickets: terms GRU allow general research use")]


def test_nmds_denies_training():
    checks, overall = _check(["model_training"], terms=["NMDS"])
    assert overall == "deny" and "NMDS forbid" in checks[0][1]


def test_ncu_denies_commercial_use_but_not_research():
    assert _check(["model_training", "commercial_use"], terms=["NCU"])[1] == "deny"
    assert _check(["model_training"], terms=["NCU"])[1] == "approve"


def test_npu_denies_an_industry_requester():
    checks, overall = _check(["model_training"], terms=["NPU"], org_kind="industry")
    assert overall == "deny" and "commercial organisation" in checks[0][1]
    assert _check(["model_training"], terms=["NPU"], org_kind="academic")[1] == "approve"


def test_time_limit_beyond_the_limit_needs_review():
    checks, overall = _check(["model_training"], terms=["TS"], time_limit=30, end_days=90)
    assert overall == "needs_review" and "30 days" in checks[0][1]
    assert _check(["model_training"], terms=["TS"], time_limit=120, end_days=90)[1] == "approve"


def test_publication_and_return_need_review():
    checks, overall = _check(["model_training"], terms=["GRU", "PUB", "RTN"])
    assert overall == "needs_review"
    reasons = [r for _, r in checks]
    assert "Tickets: terms PUB: requires publication of results" in reasons
    assert "Tickets: terms RTN: requires return of derived data" in reasons


def test_non_commercial_licence_denies_commercial_use():
    checks, overall = _check(["commercial_use"], terms=["GRU"], licence="CC-BY-NC-4.0")
    assert overall == "deny" and ("deny", "Tickets: licence CC-BY-NC-4.0 is non-commercial") in checks


def test_redistribution_under_share_alike_or_proprietary_needs_review():
    assert _check(["redistribution"], terms=["GRU"], licence="CC-BY-SA-4.0")[1] == "needs_review"
    assert _check(["redistribution"], terms=["GRU"], licence="LicenseRef-Helix")[1] == "needs_review"
    assert _check(["redistribution"], terms=["GRU"], licence="CC0-1.0")[1] == "approve"
