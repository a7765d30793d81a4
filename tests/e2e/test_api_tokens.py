"""A personal API token from the browser (issue 13): create it with a name, copy the key shown once,
call the API with it, see "last used", revoke it after confirming, and the key stops working."""
from playwright.sync_api import expect

from tests.e2e.conftest import login


def test_create_use_and_revoke_a_token(page, live_server, researcher):
    login(page, live_server, researcher.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="API tokens").click()
    expect(page.locator("h1")).to_have_text("API tokens")

    page.get_by_label("Name").fill("analysis notebook")
    page.get_by_role("button", name="Create token").click()
    key = page.get_by_test_id("new-token-key").inner_text().strip()
    assert key.startswith("acc_")
    row = page.locator("tr[data-token='analysis notebook']")
    expect(row).to_contain_text("never")

    api = page.context.request
    page.context.clear_cookies()  # the token alone, no session
    response = api.get(f"{live_server.url}/api/me/", headers={"Authorization": f"Token {key}"})
    assert response.status == 200 and response.json()["username"] == researcher.username

    login(page, live_server, researcher.username)
    page.goto(f"{live_server.url}/account/tokens/")
    expect(page.get_by_test_id("new-token-key")).to_have_count(0)  # shown once only
    expect(row).to_contain_text("just now")
    row.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke token").click()
    expect(page.locator(".messages")).to_contain_text("revoked")
    expect(row).to_contain_text("Revoked")

    page.context.clear_cookies()
    response = api.get(f"{live_server.url}/api/me/", headers={"Authorization": f"Token {key}"})
    assert response.status == 401
