"""Two legal reviewers approve the same agreement at the same moment, on two database
connections: one wins, the other gets a clear 409, and nothing is applied twice.
Run on PostgreSQL in CI (row locks); on SQLite writers are serialised by IMMEDIATE transactions."""
import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.roles import Role
from agreements import services
from agreements.models import Agreement
from audit.models import AuditEvent
from audit.services import verify_chain
from config.exceptions import ApplicationError
from tests.agreements.factories import make_approved_version


def _in_thread(results, barrier, fn):
    try:
        barrier.wait(timeout=10)
        with transaction.atomic():
            results.append(("ok", fn()))
    except ApplicationError as exc:
        results.append((exc.status, exc.message))
    except Exception as exc:  # pragma: no cover - shows up in the assertion
        results.append(("error", repr(exc)))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once(make_user, company, university):
    steward = make_user(Role.CONTRIBUTOR, organization=company)
    researcher = make_user(Role.RESEARCHER, organization=university)
    reviewers = [make_user(Role.LEGAL, organization=company) for _ in range(2)]
    version = make_approved_version(organization=company, steward=steward)
    agreement = services.access_request_create(
        dataset_versions=[version], project_title="p", purpose="q", intended_uses=["model_training"],
        requested_end_date=timezone.localdate() + dt.timedelta(days=60), actor=researcher)
    services.agreement_accept_terms(agreement=agreement, terms_sha256=agreement.terms_sha256, ip=None, actor=researcher)
    services.agreement_submit(agreement=agreement, actor=researcher)

    # Both reviewers loaded the page (and the object) before either clicked.
    copies = [Agreement.objects.get(pk=agreement.pk) for _ in reviewers]
    expires = [timezone.localdate() + dt.timedelta(days=d) for d in (30, 45)]
    results: list = []
    barrier = threading.Barrier(2)
    threads = [
        threading.Thread(target=_in_thread, args=(results, barrier, lambda i=i: services.agreement_approve(
            agreement=copies[i], expires_at=expires[i], actor=reviewers[i])))
        for i in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    outcomes = sorted(str(r[0]) for r in results)
    assert outcomes == ["409", "ok"], results
    loser = next(r for r in results if r[0] == 409)
    assert "is approved; it cannot be approved" in loser[1]
    winner = next(r[1] for r in results if r[0] == "ok")
    stored = Agreement.objects.get(pk=agreement.pk)
    assert stored.state == "approved" and stored.approved_by_id == winner.approved_by_id
    assert stored.expires_at == winner.expires_at
    assert AuditEvent.objects.filter(action="agreement.approved", target_id=str(agreement.pk)).count() == 1
    assert verify_chain()[1] is None
