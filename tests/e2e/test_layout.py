"""Phones and wide windows (issue 13): every main page of every role fits the viewport without a
horizontal scroll bar at 390px and 1366px, the menu button opens the navigation on a phone, and the
header keeps to one line."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.e2e.main_pages import ROLE_USERS, seed_main_pages

NO_HORIZONTAL_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-scroll'))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


@pytest.mark.parametrize("width,height", [(390, 844), (1366, 900)], ids=["phone", "laptop"])
@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_main_pages_fit_the_viewport(role, width, height, request, page, live_server, contributor, researcher, legal):
    pages = seed_main_pages(contributor=contributor, researcher=researcher, legal=legal)
    user = request.getfixturevalue(ROLE_USERS[role])
    page.set_viewport_size({"width": width, "height": height})
    login(page, live_server, user.username)
    for url in pages[role]:
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, url
        page.wait_for_load_state("load")
        assert page.evaluate(NO_HORIZONTAL_SCROLL), f"{url} scrolls sideways at {width}px: {page.evaluate(WIDEST)}"
        header = page.locator("header.topbar").bounding_box()
        assert header["height"] < 70, f"{url}: the header wraps at {width}px ({header['height']}px high)"
        nav = page.get_by_role("navigation", name="Main")
        menu = page.get_by_role("button", name="Menu")
        if width < 900:
            expect(nav).to_be_hidden()
            expect(menu).to_be_visible()
            expect(menu).to_have_attribute("aria-expanded", "false")
        else:
            expect(nav).to_be_visible()
            expect(menu).to_be_hidden()


def test_menu_button_opens_and_closes_the_navigation_on_a_phone(page, live_server, contributor, researcher, legal):
    seed_main_pages(contributor=contributor, researcher=researcher, legal=legal)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, researcher.username)
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    expect(nav).to_be_hidden()

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    nav.get_by_role("link", name="Catalogue").click()
    expect(page.locator("h1")).to_contain_text("catalogue")
    expect(nav).to_be_hidden()  # a new page starts with the menu closed

    menu.click()
    expect(nav.get_by_role("link", name="Catalogue")).to_have_attribute("aria-current", "page")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()
    assert page.evaluate(NO_HORIZONTAL_SCROLL)


def test_a_wide_table_scrolls_inside_its_container_on_a_phone(page, live_server, auditor, contributor, researcher,
                                                              legal):
    seed_main_pages(contributor=contributor, researcher=researcher, legal=legal)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, auditor.username)
    page.goto(f"{live_server.url}/audit/")
    wrapper = page.locator(".table-scroll").first
    expect(wrapper).to_be_visible()
    assert wrapper.evaluate("w => w.scrollWidth > w.clientWidth"), "the ledger table should be wider than a phone"
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
