"""Creating and editing accounts and contacts, and who may (not) see the controls."""

import pytest
from playwright.sync_api import expect

from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def timeline(page):
    return page.locator("#timeline")


def change_row(page, field):
    """The before → after row for ``field`` in the newest timeline entry."""
    newest = timeline(page).locator("li").first
    return newest.locator("table.changes tr").filter(has=page.locator(f"th:text-is('{field}')"))


def test_a_new_account_is_created_edited_and_its_change_shown_on_the_timeline(page, people):
    from amends.accounts.models import Account

    browser_login(page, "alex", then="/accounts/")
    page.get_by_role("link", name="New account").click()
    page.wait_for_url("**/accounts/new/")
    expect(page.get_by_role("heading", name="New account")).to_be_visible()

    page.get_by_label("Name", exact=True).fill("Lakeside Dental")
    page.get_by_label("Owner").select_option(label="mia")
    page.get_by_label("Annual value").fill("48000")
    page.get_by_label("Tier").select_option(label="Key")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url("**/accounts/*/")
    account = Account.objects.get(name="Lakeside Dental")
    assert page.url.endswith(f"/accounts/{account.pk}/")
    assert (account.team, account.owner, account.tier) == (people.north, people.manager, "key")
    expect(page.get_by_role("status")).to_contain_text("Account created.")
    expect(page.get_by_role("heading", name="Lakeside Dental")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("48,000.00 EUR")
    expect(timeline(page)).to_contain_text("Account Lakeside Dental created")

    page.locator(".pagehead").get_by_role("link", name="Edit").click()
    page.wait_for_url(f"**/accounts/{account.pk}/edit/")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Lakeside Dental")
    page.get_by_label("Name", exact=True).fill("Lakeside Dental Group")
    page.get_by_label("Lifecycle state").select_option(label="At risk")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(f"**/accounts/{account.pk}/")
    expect(page.get_by_role("status")).to_contain_text("Account saved.")
    expect(page.get_by_role("heading", name="Lakeside Dental Group")).to_contain_text("At risk")
    expect(timeline(page).locator("li").first).to_contain_text(
        "Account Lakeside Dental Group updated: name, lifecycle state"
    )
    name = change_row(page, "name")
    expect(name.locator("td.old")).to_have_text("Lakeside Dental")
    expect(name.locator("td.new")).to_have_text("Lakeside Dental Group")
    # Each change named and valued as a person reads it, not as the database keeps it.
    lifecycle = change_row(page, "lifecycle state")
    expect(lifecycle.locator("td.old")).to_have_text("Active")
    expect(lifecycle.locator("td.new")).to_have_text("At risk")
    # Only what changed is listed.
    expect(timeline(page).locator("li").first.locator("table.changes tr")).to_have_count(2)
    account.refresh_from_db()
    assert (account.name, account.lifecycle) == ("Lakeside Dental Group", "at_risk")


def test_a_new_account_with_a_bad_value_shows_the_error_and_saves_nothing(page, people):
    from amends.accounts.models import Account

    browser_login(page, "alex", then="/accounts/")
    page.get_by_role("link", name="New account").click()
    page.get_by_label("Name", exact=True).fill("Broken Value Ltd")
    page.get_by_label("Currency").fill("euro")
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".field.invalid")).to_contain_text("three-letter currency code")
    assert page.url.endswith("/accounts/new/")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Broken Value Ltd")
    assert not Account.objects.filter(name="Broken Value Ltd").exists()


def test_a_contact_is_added_edited_and_removed(page, people, account):
    browser_login(page, "alex", then="/accounts/")
    page.goto(f"/accounts/{account.pk}/")
    contacts = page.locator(".contacts")

    page.get_by_role("link", name="Add contact").click()
    page.wait_for_url(f"**/accounts/{account.pk}/contacts/new/")
    page.get_by_label("Name", exact=True).fill("Piotr Zieliński")
    page.get_by_label("Role").fill("Buyer")
    page.get_by_label("Email").fill("piotr@harbor.example")
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(f"**/accounts/{account.pk}/")
    expect(page.get_by_role("status")).to_contain_text("Contact added.")
    piotr = contacts.locator("li").filter(has_text="Piotr Zieliński")
    expect(piotr).to_contain_text("Buyer")
    expect(piotr.get_by_role("link", name="piotr@harbor.example")).to_be_visible()
    expect(timeline(page)).to_contain_text("Contact Piotr Zieliński added")

    piotr.get_by_role("link", name="Edit").click()
    page.wait_for_url("**/accounts/contacts/*/edit/")
    expect(page.get_by_label("Email")).to_have_value("piotr@harbor.example")
    page.get_by_label("Role").fill("Head of Purchasing")
    page.get_by_label("Decision maker").check()
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(f"**/accounts/{account.pk}/")
    expect(page.get_by_role("status")).to_contain_text("Contact saved.")
    expect(piotr).to_contain_text("Head of Purchasing")
    expect(piotr).to_contain_text("decision maker")
    role = change_row(page, "role")
    expect(role.locator("td.old")).to_have_text("Buyer")
    expect(role.locator("td.new")).to_have_text("Head of Purchasing")

    piotr.get_by_role("link", name="Edit").click()
    page.get_by_role("button", name="Remove this contact").click()

    page.wait_for_url(f"**/accounts/{account.pk}/")
    expect(page.get_by_role("status")).to_contain_text("Contact removed.")
    expect(piotr).to_have_count(0)
    expect(contacts).to_contain_text("Joanna Nowak")
    expect(timeline(page)).to_contain_text("Contact Piotr Zieliński removed")
    assert list(account.contacts.values_list("name", flat=True)) == ["Joanna Nowak"]


def test_a_viewer_sees_the_account_but_none_of_the_controls_to_change_it(page, people, account):
    browser_login(page, "vic", then="/accounts/")
    expect(page.get_by_role("link", name="Harbor Printing Ltd")).to_be_visible()
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    expect(page.get_by_role("link", name="New account")).to_have_count(0)
    expect(page.get_by_role("link", name="Import CSV")).to_have_count(0)

    page.get_by_role("link", name="Harbor Printing Ltd").click()
    page.wait_for_url(f"**/accounts/{account.pk}/")
    expect(page.locator(".contacts")).to_contain_text("Joanna Nowak")
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("link", name="Add contact")).to_have_count(0)

    # Typing the address of a form does not help either.
    response = page.goto(f"/accounts/{account.pk}/edit/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    response = page.goto("/accounts/new/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_an_agent_sees_the_controls_the_viewer_does_not(page, people, account):
    # The counterpart of the viewer test: the controls exist, for those allowed to use them.
    browser_login(page, "alex", then="/accounts/")
    expect(page.get_by_role("link", name="New account")).to_be_visible()
    expect(page.get_by_role("link", name="Import CSV")).to_be_visible()
    page.get_by_role("link", name="Harbor Printing Ltd").click()
    expect(page.locator(".pagehead").get_by_role("link", name="Edit")).to_be_visible()
    expect(page.get_by_role("link", name="Add contact")).to_be_visible()


def test_an_outsider_gets_not_found_for_a_north_account(page, people, account, south_account):
    browser_login(page, "otto", then="/accounts/")
    expect(page.get_by_role("link", name="Southern Foods")).to_be_visible()
    expect(page.get_by_role("link", name="Harbor Printing Ltd")).to_have_count(0)

    for url in (f"/accounts/{account.pk}/", f"/accounts/{account.pk}/edit/"):
        response = page.goto(url)
        assert response.status == 404
        expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        assert "Harbor Printing" not in page.content()
