"""Browser tests: pytest-playwright driving Debian's Chromium against Django's live server.

Every test under tests/e2e/ is marked `e2e` automatically (`pytest -m "not e2e"` leaves them out).
Use the `login(page, live_server, username)` helper; the `base_url` fixture is the live server's URL,
so `page.goto("/dashboard/")` works.

Playwright's sync API runs an asyncio event loop in the test thread; Django refuses ORM calls from a
thread with a running loop unless DJANGO_ALLOW_ASYNC_UNSAFE is set. The live server itself runs in
its own thread, so this only relaxes the check for test code (fixtures creating users and so on).
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium")
TEST_PASSWORD = "pw-accord-test"  # tests/accounts/factories.py
E2E_DIR = Path(__file__).resolve().parent

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: run platform/install-browser.sh (or set ACCORD_CHROMIUM).")
    args = list(browser_type_launch_args.get("args", []))
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": args + [a for a in CHROMIUM_ARGS if a not in args],
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    """pytest-base-url's fixture, pointed at Django's live server (playwright resolves relative URLs on it)."""
    return live_server.url


@pytest.fixture(autouse=True)
def _e2e_timeouts(request):
    """Fail fast instead of waiting 30 s when a selector is wrong."""
    if "page" in request.fixturenames:
        page = request.getfixturevalue("page")
        page.set_default_timeout(10_000)
        page.set_default_navigation_timeout(20_000)


@pytest.fixture(autouse=True)
def _no_csp_violations(request):
    """Issue 10: every page a browser test visits works under the Content-Security-Policy; a
    violation (Chromium reports it on the console) fails the test that caused it."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield violations
    assert violations == [], violations


def login(page, live_server, username: str, password: str = TEST_PASSWORD, *, expect_success: bool = True):
    """Log in through the real form; wait for the dashboard (or, if `expect_success=False`, the error)."""
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    if expect_success:
        page.wait_for_url(re.compile(r"/dashboard/$"))
        page.wait_for_selector("h1:has-text('Welcome')")
    else:
        page.wait_for_selector(".form-errors")
    return page


@pytest.fixture
def login_as(page, live_server):
    """`login_as(user)` — the same as `login(page, live_server, user.username)`; returns the page."""

    def do(user, password: str = TEST_PASSWORD):
        return login(page, live_server, user.username, password)

    return do
