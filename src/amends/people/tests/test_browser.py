"""The login and profile screens, driven the way a person uses them."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit_login(page, username, password):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_the_right_password_lands_on_the_account_list(page, people, account):
    page.goto("/accounts/")
    # Not logged in yet: the list sends us to the login page, and back after it.
    page.wait_for_url("**/login/?next=/accounts/")

    submit_login(page, "alex", PASSWORD)

    page.wait_for_url("**/accounts/")
    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Harbor Printing Ltd")).to_be_visible()
    expect(page.locator(".topbar").get_by_role("link", name="alex")).to_be_visible()


def test_a_wrong_password_shows_an_error_and_stays_on_the_login_page(page, people):
    page.goto("/login/")

    submit_login(page, "alex", "not the password")

    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    assert page.url.endswith("/login/")
    expect(page.locator(".topbar").get_by_role("link", name="alex")).to_have_count(0)


def test_after_five_wrong_passwords_even_the_right_one_is_refused(page, people):
    page.goto("/login/")
    for _ in range(4):
        submit_login(page, "alex", "a guess")
        expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    submit_login(page, "alex", "a guess")
    expect(page.get_by_role("heading", name="Too many failed attempts")).to_be_visible()

    page.goto("/login/")
    submit_login(page, "alex", PASSWORD)

    expect(page.get_by_role("heading", name="Too many failed attempts")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("from your address is paused for 15 minutes")
    assert page.url.endswith("/login/")
    # Someone else, from the same address, may still log in.
    page.goto("/login/")
    submit_login(page, "mia", PASSWORD)
    page.wait_for_url("**/cases/")  # no ?next=: My work


def test_a_token_is_created_shown_once_and_revoked(page, people):
    from amends.people.models import ApiToken

    browser_login(page, "alex")
    page.locator(".topbar").get_by_role("link", name="alex").click()
    page.wait_for_url("**/me/")
    expect(page.get_by_role("heading", name="alex")).to_be_visible()
    expect(page.get_by_text("North — Agent")).to_be_visible()

    page.get_by_label("What is the token for?").fill("nightly sync")
    page.get_by_role("button", name="Create token").click()

    secret = page.locator("#new-token")
    expect(secret).to_be_visible()
    value = secret.inner_text().strip()
    assert value.startswith("amd_") and len(value) > 30
    row = page.get_by_role("row").filter(has_text="nightly sync")
    expect(row).to_contain_text(value[:12])
    assert value not in row.inner_text()  # the table shows only the prefix
    token = ApiToken.objects.get(user=people.agent)
    assert token.name == "nightly sync" and token.revoked_at is None

    # Shown once: coming back to the page shows the token, never its secret.
    page.goto("/me/")
    expect(page.locator("#new-token")).to_have_count(0)
    assert value not in page.content()
    row = page.get_by_role("row").filter(has_text="nightly sync")
    expect(row).to_be_visible()

    row.get_by_role("button", name="Revoke").click()

    expect(page.get_by_role("status")).to_contain_text("Token revoked")
    row = page.get_by_role("row").filter(has_text="nightly sync")
    expect(row).to_contain_text("revoked")
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_forgotten_password_is_set_again_through_a_mailed_link(page, people, smtp_server):
    import re

    people.manager.email = "mia@north.example"
    people.manager.save()
    page.goto("/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("Email").fill("mia@north.example")
    page.get_by_role("button", name="Send me the link").click()
    expect(page.get_by_role("heading", name="Check your mail")).to_be_visible()

    assert smtp_server.wait_for(1)
    (message,) = smtp_server.to("mia@north.example")
    link = re.search(r"https?://\S+(/password-reset/\S+/)", message.get_content()).group(1)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("a fresh passphrase 2026")
    page.get_by_label("New password confirmation").fill("a fresh passphrase 2026")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", name="Your password is set")).to_be_visible()

    page.get_by_role("link", name="Log in").last.click()
    submit_login(page, "mia", "a fresh passphrase 2026")
    page.wait_for_url("**/cases/")


def test_a_user_changes_their_password_from_their_profile(page, people):
    browser_login(page, "alex")
    page.locator(".topbar").get_by_role("link", name="alex").click()
    page.get_by_role("link", name="Change your password").click()
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill("another long passphrase")
    page.get_by_label("New password confirmation").fill("another long passphrase")
    page.get_by_role("button", name="Change the password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password is changed.")
