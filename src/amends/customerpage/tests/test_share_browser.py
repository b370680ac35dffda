"""The customer's page in a real browser: an agent shares a case and posts an
update; the customer, with no login, follows the plan; a revoked link is gone."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from amends.customerpage.models import CaseShare
from amends.recovery.services import commitment_add
from amends.timeline.services import Actor
from conftest import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("shipped_defaults"),
]


def test_an_agent_shares_the_plan_and_the_customer_follows_it(
    page, browser, live_server, people, account, declare
):
    case = declare([account]).cases.get()
    commitment_add(
        actor=Actor(user=people.agent, via="web"),
        case=case,
        what="Reprint every form",
        measure="65,000 forms delivered",
        owner=people.agent,
        due_at=timezone.now() + timedelta(days=2),
    )
    browser_login(page, "alex")
    page.goto(f"/cases/{case.pk}/")
    panel = page.locator("#customer-page")
    expect(panel).to_contain_text("No link yet.")

    panel.get_by_role("button", name="Make a link for the customer").click()
    expect(page.locator("ul.messages")).to_contain_text("Link made.")
    link = panel.get_by_label("Link for the customer")
    url = link.input_value()
    share = CaseShare.objects.get(case=case)
    assert url == f"{live_server.url}/c/{share.key}/"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    panel.get_by_role("button", name="Copy the link").click()
    expect(panel.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url

    panel.get_by_label("A dated update, shown on the customer's page").fill(
        "The reprint left the press <b>today</b>."
    )
    panel.get_by_role("button", name="Post the update").click()
    expect(page.locator("ul.messages")).to_contain_text("Update posted")
    expect(page.locator("#customer-updates")).to_contain_text("The reprint left the press")

    # The customer: another browser, no login.
    customer = browser.new_context(locale="en-GB")
    try:
        tab = customer.new_page()
        answer = tab.goto(url)
        assert answer.status == 200
        assert answer.headers["x-robots-tag"].startswith("noindex")
        expect(tab.get_by_role("heading", name="Our plan for Harbor Printing Ltd")).to_be_visible()
        row = tab.locator("#commitments tbody tr")
        expect(row).to_contain_text("Reprint every form")
        expect(row).to_contain_text("65,000 forms delivered")
        expect(row).to_contain_text("Open")
        expect(tab.locator("#updates")).to_contain_text("The reprint left the press <b>today</b>.")
        expect(tab.locator("#updates b")).to_have_count(0)
        expect(tab.locator("body")).not_to_contain_text("alex")
        expect(tab.get_by_role("link", name="Log in")).to_have_count(0)

        panel = page.locator("#customer-page")
        panel.get_by_role("button", name="Revoke the link").click()
        expect(page.locator("ul.messages")).to_contain_text("Link revoked")
        expect(panel).to_contain_text("The last link was revoked")

        gone = tab.goto(url)
        assert gone.status == 404
        expect(tab.get_by_role("heading", name="This link no longer works")).to_be_visible()
        expect(tab.locator("body")).not_to_contain_text("Reprint every form")
    finally:
        customer.close()
