"""A bounded schemathesis run over the whole API for every role (issue 14): no request the schema
allows, or nearly allows, gets a server error. A few examples per operation keep it CI-sized."""
from __future__ import annotations

import json

import pytest
import schemathesis
from urllib.parse import urlencode

from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings

ROLES = ["researcher", "contributor", "legal", "ml_admin", "auditor"]


def _schema_dict() -> dict:
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(json.dumps(raw, default=str))


schema = schemathesis.openapi.from_dict(_schema_dict())


def _send(client, case):
    """The case through DRF's test client (in the test's transaction; the WSGI handler would close
    the test database connection at the end of each request)."""
    from schemathesis.core import NotSet

    query = urlencode(case.query or {}, doseq=True)
    path = case.formatted_path + (f"?{query}" if query else "")
    body = None if isinstance(case.body, NotSet) else case.body
    if body is None:
        return client.generic(case.method.upper(), path)
    if "multipart" in (case.media_type or "") and isinstance(body, dict) and "file" in body:
        data = {k: SimpleUploadedFile("fuzz.bin", v if isinstance(v, bytes) else str(v).encode())
                if k == "file" else (json.dumps(v) if isinstance(v, (dict, list)) or v is None else v)
                for k, v in body.items()}
        from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

        return client.generic(case.method.upper(), path, encode_multipart(BOUNDARY, data),
                              content_type=MULTIPART_CONTENT)
    payload = body.decode("latin-1") if isinstance(body, bytes) else json.dumps(body, default=str)
    return client.generic(case.method.upper(), path, payload, content_type="application/json")


@pytest.fixture
def token_for(db):
    from rest_framework.authtoken.models import Token

    def make(user) -> str:
        return Token.objects.get_or_create(user=user)[0].key

    return make


@pytest.mark.fuzz
@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(max_examples=2, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_server_error_for_any_role(case, role, request, token_for):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(request.getfixturevalue(role))}")
    from django.db import transaction

    # A savepoint per call: the upload view is not atomic (it streams to storage first), so a
    # query error it handles would otherwise poison the test's own transaction.
    with transaction.atomic():
        response = _send(client, case)
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} query={case.query} body={str(case.body)[:300]} -> "
        f"{response.status_code}: {response.content[:500]}")
