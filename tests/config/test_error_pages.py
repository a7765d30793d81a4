"""Branded error pages (issue 13): 403/404/410/500 say what happened and offer a way back; a plain-text
refusal (a revoked model's download) becomes the branded page for a browser and stays plain for curl."""
from django.test import RequestFactory
from django.utils import timezone
from django.views.defaults import server_error

from accounts.roles import Role
from training.models import BaseModel, RunState, TrainingRun

BROWSER = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_403_names_the_reason_the_roles_and_a_way_back(client, researcher):
    client.force_login(researcher)
    response = client.get("/audit/", **BROWSER)
    assert response.status_code == 403
    body = response.content.decode()
    assert "You do not have access to this page" in body
    assert "Only auditors read the audit ledger." in body
    assert "researcher" in body and 'href="/dashboard/"' in body
    assert 'rel="icon"' in body


def test_404_is_branded_without_internal_names(client, researcher):
    client.force_login(researcher)
    response = client.get("/agreements/999999/", **BROWSER)
    assert response.status_code == 404
    body = response.content.decode()
    assert "We could not find that page" in body and 'href="/dashboard/"' in body
    assert "matches the given query" not in body  # Django's internal message about the model


def test_404_for_a_visitor_offers_the_login_page(client):
    response = client.get("/no-such-page/", **BROWSER)
    assert response.status_code == 404
    assert 'href="/login/"' in response.content.decode()


def test_500_renders_without_any_request_context():
    response = server_error(RequestFactory().get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in body and 'href="/"' in body
    assert "/static/css/accord.css" in body  # the branded shell, not Django's bare "Server Error (500)"


def _revoked_run(admin):
    base = BaseModel.objects.create(name="tiny", source=BaseModel.Source.PATH, local_path="/nowhere",
                                    license="Apache-2.0")
    return TrainingRun.objects.create(base_model=base, launched_by=admin, label_field="label",
                                      state=RunState.SUCCEEDED, model_revoked_at=timezone.now(),
                                      model_revoked_reason="Agreement #4 was revoked: breach of terms.")


def test_a_revoked_download_shows_the_branded_410_to_a_browser(client, make_user):
    admin = make_user(Role.ADMIN)
    run = _revoked_run(admin)
    client.force_login(admin)

    response = client.get(f"/training/runs/{run.pk}/download/model/", **BROWSER)
    assert response.status_code == 410
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "This is no longer available" in body
    assert "Agreement #4 was revoked: breach of terms." in body
    assert 'href="/dashboard/"' in body


def test_the_same_410_stays_plain_text_for_scripts_and_json_on_the_api(client, api_client_for, make_user):
    admin = make_user(Role.ADMIN)
    run = _revoked_run(admin)
    client.force_login(admin)

    plain = client.get(f"/training/runs/{run.pk}/download/model/", HTTP_ACCEPT="*/*")
    assert plain.status_code == 410 and plain["Content-Type"].startswith("text/plain")
    assert plain.content.decode().startswith("This model's authorisation ended")

    api = api_client_for(admin).get(f"/api/training-runs/{run.pk}/artifacts/model/")
    assert api.status_code == 410 and api.json()["code"] == "model_revoked"
