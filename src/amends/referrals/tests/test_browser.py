"""Referrals in a real browser: recorded from the account page, listed with the
former-client badge."""

import pytest
from playwright.sync_api import expect

from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_records_a_referral_from_a_churned_account_and_lists_it_as_from_a_former_client(
    page, people, account, churned
):
    browser_login(page, "alex")
    page.goto(f"/accounts/{churned.pk}/")
    panel = page.locator("#referrals")
    expect(panel.get_by_role("heading", name="Referrals")).to_be_visible()
    expect(panel).to_contain_text("No referrals yet")

    panel.get_by_role("link", name="Record a referral").click()
    expect(page.get_by_role("heading", name="Record a referral")).to_be_visible()
    expect(page.locator(".referrer .former-client")).to_have_text("former client")
    page.get_by_label("Referred company").fill("Harbor")
    # The matching accounts of the team come in as the name is typed.
    page.get_by_label("Harbor Printing Ltd").check()
    page.get_by_label("Contact there (optional)").fill("Joanna Nowak")
    page.get_by_role("button", name="Record the referral").click()

    expect(page.get_by_text("Referral recorded.")).to_be_visible()
    expect(panel.locator(".has-referred")).to_contain_text("Harbor Printing Ltd")

    page.goto("/accounts/")
    page.locator(".pagehead").get_by_role("link", name="Referrals").click()
    page.wait_for_url("**/referrals/")
    row = page.locator("table.referrals tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Bluebird Foods")
    expect(row.locator(".former-client")).to_have_text("former client")
    expect(row).to_contain_text("Harbor Printing Ltd")
    expect(row).to_contain_text("Joanna Nowak")

    page.get_by_label("From former clients only").check()
    expect(page.locator("table.referrals tbody tr")).to_have_count(1)

    page.goto(f"/accounts/{account.pk}/")
    referred_by = page.locator("#referrals .referred-by")
    expect(referred_by).to_contain_text("Bluebird Foods")
    expect(referred_by.locator(".former-client")).to_be_visible()
