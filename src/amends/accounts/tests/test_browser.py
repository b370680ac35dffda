import pytest
from playwright.sync_api import expect

from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_logs_in_lists_searches_and_opens_an_account(page, people, account, south_account):
    browser_login(page, "alex")
    rows = page.locator("table.accounts tbody tr")
    expect(rows).to_have_count(1)
    assert "Southern Foods" not in page.content()

    page.get_by_role("searchbox").fill("harbor")
    page.wait_for_url("**q=harbor**")
    # htmx may push the URL before it swaps the rows in: wait for the rows themselves.
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Harbor Printing Ltd")

    page.get_by_role("link", name="Harbor Printing Ltd").click()
    page.wait_for_url(f"**/accounts/{account.pk}/")
    assert page.get_by_role("heading", name="Contacts").is_visible()
    assert page.locator(".contacts").get_by_text("Joanna Nowak").is_visible()
    assert page.get_by_text("Account Harbor Printing Ltd created").is_visible()
