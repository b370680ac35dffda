"""Parting well in a real browser: a bad-fit account through the crucial
conversation, a mutual parting with two progress updates (mailed through a real SMTP
server and shown on the customer's page), the customer's exit feedback and the close;
and letting a customer go for abuse."""

from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from amends.accounts.models import Lifecycle
from amends.complaints.models import AbuseReport
from amends.parting.models import ExitPlan
from conftest import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("shipped_defaults"),
]


def messages(page):
    return page.locator("ul.messages")


def test_a_bad_fit_account_parts_well_with_two_updates(
    page, people, account, parting_case, smtp_server
):
    browser_login(page, "alex")
    page.goto(f"/cases/{parting_case.pk}/")
    page.get_by_role("link", name="Open the parting page").click()
    expect(page.get_by_role("heading", name="Parting well: Harbor Printing Ltd")).to_be_visible()

    # 1. The crucial conversation.
    talk = page.locator("#conversation")
    talk.get_by_label("What is not working").fill("Rush orders every Friday for Monday")
    talk.get_by_label("Our part in it").fill("We said yes to deadlines we knew we could not meet")
    talk.get_by_label("Their part in it").fill("Their orders come in late")
    talk.get_by_label("The options discussed").fill("A cut-off; a rush partner; parting")
    talk.get_by_role("checkbox", name="alex", exact=True).check()
    talk.get_by_label("Who was there from the customer").fill("Joanna Nowak")
    talk.get_by_role("button", name="Record the conversation").click()
    expect(messages(page)).to_contain_text("The crucial conversation is on record.")
    expect(talk).to_contain_text("We said yes to deadlines")

    # 2. Part by mutual decision: without a data hand-over the form says what is missing.
    decision = page.locator("#decision")
    decision.get_by_label("Part by mutual decision").check()
    decision.get_by_label("Final invoice").fill("Final invoice with credit for unused paper")
    decision.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#decision")).to_contain_text("The plan needs a data hand-over.")
    decision = page.locator("#decision")
    decision.get_by_label("Part by mutual decision").check()
    decision.get_by_label("Data hand-over").fill("Artwork archive and price lists")
    decision.get_by_label("Final invoice").fill("Final invoice with credit for unused paper")
    decision.get_by_role("button", name="Record the decision").click()
    expect(messages(page)).to_contain_text("Decided to part. The exit plan is open.")
    plan = page.locator("#plan")
    expect(plan.locator("table.exit-items tbody tr")).to_have_count(3)
    expect(plan).to_contain_text("Data hand-over: Artwork archive and price lists")

    # 3. Two progress updates, each on their page and in their inbox.
    updates = page.locator("#updates")
    expect(updates.get_by_label("The update, as the customer will read it")).to_contain_text(
        "Still to come:"
    )
    updates.get_by_role("button", name="Send the update").click()
    expect(messages(page)).to_contain_text("emailed to 1 contact(s)")
    row = plan.locator("tr", has_text="Artwork archive")
    row.get_by_role("button", name="Done").click()
    expect(page.locator("#plan tr", has_text="Artwork archive")).to_contain_text("Kept")
    text = page.locator("#updates").get_by_label("The update, as the customer will read it")
    expect(text).to_contain_text("✓ Data hand-over: Artwork archive")
    page.locator("#updates").get_by_role("button", name="Send the update").click()
    expect(page.locator("#updates ol.updates li")).to_have_count(2)
    assert smtp_server.wait_for(2)
    assert len(smtp_server.to("joanna@harbor.example")) == 2

    # The customer's page: both updates, and their word on how we parted.
    link = page.locator("#plan dd a").get_attribute("href")
    page.context.clear_cookies()
    page.goto(urlsplit(link).path)  # links are made with SITE_URL; the test server differs
    expect(page.locator("#updates li")).to_have_count(2)
    feedback = page.locator("#exit-feedback")
    feedback.get_by_label("4").check()
    feedback.get_by_label("In their words").fill("Honest, and quick to hand over")
    feedback.get_by_role("button", name="Send").click()
    expect(page.locator("#exit-feedback")).to_contain_text("Thank you for telling us.")

    # 4. The rest of the plan, the final conversation, and the close.
    browser_login(page, "alex")
    page.goto(f"/cases/{parting_case.pk}/parting/")
    expect(page.locator("#close")).to_contain_text("given on their page")
    page.locator("#close").get_by_role("button", name="Close the exit").click()
    expect(page.locator("#close .errors")).to_contain_text("Before closing:")
    while page.locator("#plan").get_by_role("button", name="Done").count():
        page.locator("#plan").get_by_role("button", name="Done").first.click()
        page.wait_for_load_state()
    close = page.locator("#close")
    close.get_by_label("What was said").fill(
        "We thanked each other; they may return for catalogues"
    )
    close.get_by_role("button", name="Record the final conversation").click()
    page.locator("#close").get_by_role("button", name="Close the exit").click()
    expect(messages(page)).to_contain_text("The exit is closed.")
    expect(page.locator(".pagehead")).to_contain_text("Closed: Parted")
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.CHURNED
    assert ExitPlan.objects.get(case=parting_case).feedback_rating == 4


def test_a_manager_lets_an_abusive_customer_go(page, people, account):
    AbuseReport.objects.create(
        account=account,
        staff=people.agent,
        description="Shouted at and insulted on the phone",
        at=timezone.now(),
        reported_by=people.manager,
    )
    browser_login(page, "mia")
    page.goto(f"/accounts/{account.pk}/let-go/")
    expect(page.get_by_text("Shouted at and insulted on the phone")).to_be_visible()
    expect(page.get_by_role("checkbox", name="alex", exact=True)).to_be_checked()
    page.get_by_label("Why we let them go").fill("Insults to our staff after a warning")
    page.get_by_label("Owner of the exit").select_option(label="mia")
    page.get_by_label("Data hand-over", exact=True).fill("Their order history export")
    page.get_by_label("Final invoice", exact=True).fill("Final invoice")
    page.get_by_role("button", name="Let them go").click()
    expect(messages(page)).to_contain_text("The customer is being let go.")
    expect(page.locator(".pagehead")).to_contain_text("Let go for abuse")
    expect(page.locator("#abuse")).to_contain_text("Protected staff, taken off this customer: alex")
    expect(page.locator("#updates")).to_have_count(0)
    account.refresh_from_db()
    assert account.owner == people.manager
    assert account.lifecycle == Lifecycle.PARTING
