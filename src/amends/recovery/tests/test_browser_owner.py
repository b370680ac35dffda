"""Giving a case to a colleague in a real browser, and the colleague's bell."""

import pytest
from playwright.sync_api import expect

from conftest import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("shipped_defaults"),
]


def test_a_case_is_given_and_the_new_owner_s_bell_leads_to_it(page, people, account, declare):
    case = declare([account]).cases.get()
    browser_login(page, "alex")
    page.goto(f"/cases/{case.pk}/")
    page.get_by_label("New owner").select_option(label=str(people.manager))
    page.get_by_role("button", name="Give the case").click()
    expect(page.get_by_text(f"{people.manager} owns the case now.")).to_be_visible()
    # alex gave it: alex's own bell stays quiet.
    expect(page.locator(".bell .count-badge")).to_have_count(0)

    page.context.clear_cookies()
    browser_login(page, "mia")
    bell = page.locator(".bell")
    expect(bell).to_contain_text("1")
    bell.click()
    page.get_by_role("button", name="alex gave you the case of Harbor Printing Ltd").click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    expect(page.locator(".bell .count-badge")).to_have_count(0)
    case.refresh_from_db()
    assert case.owner == people.manager
