"""The Content-Security-Policy: on every HTML page, strict, and the pages that
carry other people's code (the API docs' Swagger UI, the Django admin) still work
under it. Every browser test also fails on any blocked script or style (conftest's
``page``); this file proves that check can fail."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conftest import PASSWORD, browser_login, login

REQUIRED = [
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
]


def _policy(response) -> str:
    return response.headers.get("Content-Security-Policy", "")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/login/", "/admin/login/", "/api/v1/docs", "/password-reset/"])
def test_every_page_for_strangers_has_the_policy(client, url):
    response = client.get(url)
    assert response.status_code == 200
    policy = _policy(response)
    for directive in REQUIRED:
        assert directive in policy
    # Scripts and styles only from here (or with a nonce the page used): never inline.
    for kind in ("script-src", "style-src"):
        rule = next(part for part in policy.split(";") if part.strip().startswith(kind))
        assert "'self'" in rule and "unsafe" not in rule


@pytest.mark.django_db
def test_the_team_pages_have_the_policy(client, people, account):
    login(client, people.agent)
    for url in [reverse("accounts:list"), reverse("accounts:detail", args=[account.pk])]:
        assert "object-src 'none'" in _policy(client.get(url))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_inline_script_is_blocked_and_the_check_sees_it(browser, live_server, people):
    context = browser.new_context(base_url=live_server.url)
    tab = context.new_page()
    seen = []
    tab.on("console", lambda message: seen.append(message.text))
    tab.goto("/login/")
    tab.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = true'; document.body.append(s); }"
    )
    ran = tab.evaluate("() => window.ran === true")
    context.close()
    assert ran is False
    assert any("Content Security Policy" in text for text in seen)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_api_docs_work_under_the_policy(page, people):
    browser_login(page, "alex")
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/accounts")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_django_admin_works_under_the_policy(page, people):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto("/admin/people/user/")
    expect(page.locator("#result_list")).to_contain_text("mia")
    page.get_by_role("link", name="mia").click()
    expect(page.get_by_label("Username")).to_have_value("mia")
