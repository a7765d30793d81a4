"""The API's ground rules: auth, one error shape, a self-hosted OpenAPI schema and docs page."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from config.exceptions import ApplicationError, conflict, forbidden


class _Raises(APIView):
    permission_classes = [AllowAny]
    exc: Exception | None = None

    def get(self, request):
        raise self.exc


def _call(exc):
    response = _Raises.as_view(exc=exc)(APIRequestFactory().get("/x"))
    response.render()
    return response


@pytest.mark.parametrize(
    "exc, status, body",
    [
        (ApplicationError("Bad file"), 400, {"message": "Bad file", "code": "invalid", "reasons": []}),
        (forbidden("Not yours"), 403, {"message": "Not yours", "code": "forbidden", "reasons": []}),
        (conflict("Already approved", reasons=["a", "b"]), 409,
         {"message": "Already approved", "code": "conflict", "reasons": ["a", "b"]}),
        (ApplicationError("Too big", status=413, code="too_large", extra={"limit": 10}), 413,
         {"message": "Too big", "code": "too_large", "reasons": [], "extra": {"limit": 10}}),
    ],
)
def test_application_error_becomes_clean_json(db, exc, status, body):
    response = _call(exc)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert response.data == body


def test_django_errors_map_to_the_same_shape(db):
    invalid = _call(ValidationError({"name": ["Required."]}))
    assert invalid.status_code == 400
    assert invalid.data == {"message": "Validation error", "code": "invalid", "extra": {"fields": {"name": ["Required."]}}}
    assert _call(PermissionDenied()).status_code == 403
    not_found = _call(Http404())
    assert not_found.status_code == 404 and not_found.data["code"] == "not_found"


def test_anonymous_api_calls_get_401_with_a_token_challenge(db):
    response = APIClient().get("/api/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"message": "Authentication credentials were not provided.", "code": "not_authenticated"}


def test_a_bad_token_is_refused(db):
    response = APIClient(HTTP_AUTHORIZATION="Token not-a-real-token").get("/api/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_token_auth_identifies_the_caller(researcher):
    token = Token.objects.create(user=researcher)
    response = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}").get("/api/me/")
    assert response.status_code == 200
    assert response.json() == {
        "id": researcher.pk, "username": "researcher", "organization": "Test University", "roles": ["researcher"],
    }


def test_session_auth_works_for_the_browser(client, legal):
    client.force_login(legal)
    response = client.get("/api/me/")
    assert response.status_code == 200 and response.json()["roles"] == ["legal"]


def test_openapi_schema_lists_the_endpoints(client, researcher):
    client.force_login(researcher)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Accord API"
    assert {"/api/me/", "/api/audit-events/"} <= set(schema["paths"])
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_docs_page_is_self_hosted(client, researcher):
    client.force_login(researcher)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "googleapis"):
        assert cdn not in page
