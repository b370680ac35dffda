import pytest
from playwright.sync_api import expect

from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_logs_in_lists_searches_and_opens_an_account(page, people, account, south_account):
    browser_login(page, "alex", then="/accounts/")
    rows = page.locator("table.accounts tbody tr")
    expect(rows).to_have_count(1)
    assert "Southern Foods" not in page.content()

    asked = []
    page.on("request", lambda r: asked.append(r.url) if r.headers.get("hx-request") else None)
    page.get_by_role("searchbox").fill("harbor")
    page.wait_for_url("**q=harbor**")
    # htmx may push the URL before it swaps the rows in: wait for the rows themselves.
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Harbor Printing Ltd")

    # Leaving the search box for the link must not ask for the rows again (that answer would
    # replace the link under the click and lose it).
    page.get_by_role("link", name="Harbor Printing Ltd").click()
    page.wait_for_url(f"**/accounts/{account.pk}/")
    assert len(asked) == 1, asked
    assert page.get_by_role("heading", name="Contacts").is_visible()
    assert page.locator(".contacts").get_by_text("Joanna Nowak").is_visible()
    assert page.get_by_text("Account Harbor Printing Ltd created").is_visible()


def test_a_filter_choice_lists_again_without_a_button(page, people, account, south_account):
    browser_login(page, "ada", then="/accounts/")
    rows = page.locator("table.accounts tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("Lifecycle state").select_option("churned")
    page.wait_for_url("**lifecycle=churned**")
    expect(page.locator("#results .count")).to_contain_text("0 accounts")
