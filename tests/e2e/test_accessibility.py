"""Accessibility in a real browser (issue 13): axe-core (vendored from npm, tests/e2e/vendor/) finds no
serious or critical violation on any main page of any role; a skip link leads to the content; the
active navigation item says so; the favicon loads; state pills carry words and a shape, not only colour."""
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.e2e.main_pages import ROLE_USERS, seed_main_pages

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => ['serious', 'critical'].includes(v.impact))
    .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def axe_violations(page) -> list[dict]:
    # Evaluated through the DevTools protocol, not as a <script> tag: the pages' Content-Security-
    # Policy rightly refuses an injected inline script, and the check runs under that same policy.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate(RUN_AXE)


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_main_pages_have_no_serious_accessibility_violations(role, request, page, live_server, contributor,
                                                              researcher, legal):
    pages = seed_main_pages(contributor=contributor, researcher=researcher, legal=legal)
    user = request.getfixturevalue(ROLE_USERS[role])
    login(page, live_server, user.username)
    for url in pages[role]:
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("load")
        assert axe_violations(page) == [], url


def test_login_and_error_pages_have_no_serious_accessibility_violations(page, live_server, researcher):
    page.goto(f"{live_server.url}/login/")
    assert axe_violations(page) == []
    login(page, live_server, researcher.username)
    page.goto(f"{live_server.url}/audit/")  # 403 for a researcher
    expect(page.locator("h1")).to_have_text("You do not have access to this page")
    assert axe_violations(page) == []


def test_skip_link_current_page_favicon_and_pills_with_words(page, live_server, contributor, researcher, legal):
    seed_main_pages(contributor=contributor, researcher=researcher, legal=legal)
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    login(page, live_server, researcher.username)
    page.goto(f"{live_server.url}/agreements/list/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.locator("[aria-current=page]")).to_have_count(1)
    expect(nav.get_by_role("link", name="Agreements")).to_have_attribute("aria-current", "page")

    icon = page.request.get(f"{live_server.url}/favicon.ico")
    assert icon.ok and icon.headers["content-type"].startswith("image/svg")
    assert failed == [], failed  # no 404 for a favicon or anything else the pages load

    pill = page.locator(".status", has_text="Submitted")
    expect(pill).to_have_count(1)
    # The agreement in force reads "In force", not "Approved" (issue 13); the amended one says what to do.
    expect(page.locator(".status", has_text="In force")).to_have_count(1)
    expect(page.locator(".status", has_text="Conditions added: please accept the amended terms")).to_have_count(1)
    assert pill.evaluate("e => getComputedStyle(e, '::before').content") not in ("none", "normal", '""')
