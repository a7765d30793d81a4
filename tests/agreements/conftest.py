import datetime as dt

import pytest
from django.utils import timezone

from agreements import services
from tests.agreements.factories import make_approved_version


@pytest.fixture
def version(contributor):
    return make_approved_version(organization=contributor.organization, steward=contributor,
                                 title="Customer support tickets", license="CC-BY-4.0", use_terms=["GRU"])


@pytest.fixture
def end_date():
    return timezone.localdate() + dt.timedelta(days=180)


@pytest.fixture
def draft(researcher, version, end_date):
    return services.access_request_create(
        dataset_versions=[version], project_title="Ticket router", purpose="Route support tickets.",
        intended_uses=["model_training", "publish_model"], requested_end_date=end_date, actor=researcher)


@pytest.fixture
def submitted(draft, researcher):
    services.agreement_accept_terms(agreement=draft, terms_sha256=draft.terms_sha256, ip="10.0.0.7", actor=researcher)
    return services.agreement_submit(agreement=draft, actor=researcher)


@pytest.fixture
def in_force(submitted, legal, contributor):
    services.agreement_approve(agreement=submitted, expires_at=timezone.localdate() + dt.timedelta(days=90),
                               actor=legal)
    services.agreement_countersign(agreement=submitted, actor=contributor)
    submitted.refresh_from_db()
    return submitted
