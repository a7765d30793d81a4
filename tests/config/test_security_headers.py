"""Issue 10 points 5 and 6: a closed schema and a Content-Security-Policy on every page."""
from __future__ import annotations

import re

import pytest


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


@pytest.mark.parametrize("url", ["/api/schema/", "/api/schema/?format=json"])
def test_anonymous_callers_get_no_schema(client, db, url):
    response = client.get(url)
    assert response.status_code == 401
    assert b"/api/audit-events/" not in response.content


def test_anonymous_visitors_of_the_docs_are_sent_to_sign_in(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/api/docs/?script=").status_code == 302


def test_a_token_holder_reads_the_schema(api_client_for, researcher):
    response = api_client_for(researcher).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200 and "/api/me/" in response.json()["paths"]


@pytest.mark.parametrize("url", ["/login/", "/dashboard/", "/audit/", "/api/docs/"])
def test_pages_carry_a_strict_content_security_policy(client, auditor, url):
    if url != "/login/":
        client.force_login(auditor)
    response = client.get(url)
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'self'"]
    script = policy["script-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script and "'self'" in script


@pytest.mark.parametrize("url", ["/login/", "/dashboard/", "/audit/", "/audit/verify/"])
def test_pages_hold_no_inline_script_or_handler(client, auditor, url):
    if url != "/login/":
        client.force_login(auditor)
    page = client.get(url).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert "src=" in tag or "nonce=" in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", page)  # no onclick=, onsubmit=, ...
    assert "<style" not in page
    assert '"allowEval": false' in page and '"includeIndicatorStyles": false' in page


def test_no_template_has_inline_scripts_or_handlers():
    """Every Accord template, including ones no test renders: the CSP would silently break them."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.glob("*/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*nonce=)[^>]*>", text) or re.search(r"\son[a-z]+\s*=\s*[\"']", text) \
                or "<style" in text or "javascript:" in text:
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
