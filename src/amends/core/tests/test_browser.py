"""The shell around every screen: the language switcher."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def language_switch(page):
    return page.locator("#language-switch")


def test_choosing_polish_changes_the_page_language_and_it_sticks(page, people, account):
    browser_login(page, "alex", then="/accounts/")
    page.get_by_role("link", name="Harbor Printing Ltd").click()
    page.wait_for_url(f"**/accounts/{account.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    with page.expect_navigation():
        language_switch(page).select_option(label="polski")

    expect(page.locator("html")).to_have_attribute("lang", "pl")
    # Back on the page where the language was chosen, with the choice shown.
    assert page.url.endswith(f"/accounts/{account.pk}/")
    expect(language_switch(page)).to_have_value("pl")

    # The choice holds for the next page too.
    page.goto("/accounts/")
    expect(page.locator("html")).to_have_attribute("lang", "pl")

    with page.expect_navigation():
        language_switch(page).select_option(label="English")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_language_can_be_chosen_before_logging_in(page, people):
    page.goto("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    with page.expect_navigation():
        language_switch(page).select_option(label="polski")

    assert page.url.endswith("/login/")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    # Logging in keeps it. (Django's own labels are translated now: find the fields by name.)
    page.locator("input[name=username]").fill("alex")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url("**/cases/")  # My work, where the day starts
    expect(page.locator("html")).to_have_attribute("lang", "pl")
