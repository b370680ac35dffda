"""Recovery cases in a real browser: walking a case from the first contact to its
close, the clock, My work, and what a viewer may not do."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from amends.recovery.escalation import deadlines_check
from amends.recovery.models import CasePause, CommitmentStatus, Outcome
from conftest import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("shipped_defaults"),
]


def messages(page):
    return page.locator("ul.messages")


def step(page, key):
    return page.locator(f"#step-{key}")


def skip(page, key, reason):
    item = step(page, key)
    item.get_by_text("Skip this step").click()
    item.get_by_label("Why skip it?").fill(reason)
    item.get_by_role("button", name="Skip", exact=True).click()
    expect(messages(page)).to_contain_text("Step skipped:")
    expect(item.locator(".state")).to_have_text("Skipped")


def mark_done(page, key):
    item = step(page, key)
    item.get_by_role("button", name="Mark").click()
    expect(messages(page)).to_contain_text("Step done:")
    expect(item.locator(".state")).to_have_text("Done")


def test_an_agent_walks_a_case_from_first_contact_to_recovered(page, people, account, declare):
    incident = declare([account])
    case = incident.cases.get()
    browser_login(page, "alex")
    page.goto(f"/incidents/{incident.pk}/")
    page.locator("table.affected").get_by_role("link", name="0/9").click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    expect(
        page.get_by_role("heading", name="Recover from a mistake: Harbor Printing Ltd")
    ).to_be_visible()

    first = step(page, "first_contact")
    expect(first.locator(".needs")).to_contain_text("○ A first contact")

    # Nothing on record yet: the step refuses to be done.
    first.get_by_role("button", name="Mark “Tell them first” done").click()
    expect(messages(page)).to_contain_text("Record a first contact before completing this step.")
    expect(first.locator(".state")).not_to_have_text("Done")

    first.get_by_text("Record: First contact").click()
    first.get_by_label("How", exact=True).select_option(label="Call")
    first.get_by_label("With whom").fill("Joanna Nowak")
    first.get_by_label("Note").fill("Called before the forms reached their customers.")
    first.get_by_role("button", name="Save: First contact").click()
    expect(messages(page)).to_contain_text("First contact recorded.")
    expect(page.locator("#records")).to_contain_text("Joanna Nowak")
    expect(first.locator(".needs")).to_contain_text("✓ A first contact")

    first.get_by_role("button", name="Mark “Tell them first” done").click()
    expect(messages(page)).to_contain_text("Step done: Tell them first")
    expect(first.locator(".state")).to_have_text("Done")
    expect(first.get_by_role("button", name="Mark “Tell them first” done")).to_have_count(0)

    for key in ("discovery", "apology", "explanation"):
        skip(page, key, "Handled in the first call")

    # The fix plan needs a commitment; "act" needs every commitment resolved.
    commitments = page.locator("#commitments")
    commitments.get_by_text("Add a commitment").click()
    commitments.get_by_label("What we promise").fill("Reprint every form")
    commitments.get_by_label("How we will both know it is done").fill("65,000 forms delivered")
    commitments.get_by_label("Who keeps it").select_option(label="alex")
    due = timezone.localtime() + timedelta(days=3)
    commitments.get_by_label("By when").fill(due.strftime("%Y-%m-%dT%H:%M"))
    commitments.get_by_label("Free of charge").check()  # never ticked for you
    commitments.get_by_role("button", name="Add the commitment").click()
    expect(messages(page)).to_contain_text("Commitment added.")
    row = commitments.locator("table.commitments tbody tr")
    expect(row).to_contain_text("Reprint every form")
    expect(row).to_contain_text("free of charge")
    mark_done(page, "fix_plan")

    row.get_by_role("button", name="Kept").click()
    expect(messages(page)).to_contain_text("Commitment updated.")
    expect(row.locator(".state")).to_have_text("Kept")
    expect(row.get_by_role("button", name="Kept")).to_have_count(0)
    mark_done(page, "act")

    for key in ("changes", "adjacent_value", "attentive"):
        skip(page, key, "Not needed for this customer")

    close = page.locator("#close")
    expect(close).not_to_contain_text("still open")
    close.get_by_label("Outcome").select_option(label="Recovered")
    close.get_by_label("Closing note").fill("Joanna thanked us for the call.")
    # The apology was skipped: calling it recovered is a choice made knowingly.
    close.get_by_label("Close it as recovered even though", exact=False).check()
    close.get_by_role("button", name="Close the case").click()

    expect(messages(page)).to_contain_text("Case closed.")
    expect(page.locator(".pagehead .badges")).to_contain_text("Closed: Recovered")
    expect(page.locator("#close")).to_have_count(0)
    expect(page.get_by_role("button", name="Mark")).to_have_count(0)

    case.refresh_from_db()
    assert case.outcome == Outcome.RECOVERED and case.closed_at is not None
    assert case.closing_note == "Joanna thanked us for the call."
    assert case.steps.filter(done_at__isnull=True).count() == 0
    assert case.steps.exclude(skipped_reason="").count() == 6
    assert case.records.get().data["with_whom"] == "Joanna Nowak"
    assert case.commitments.get().status == CommitmentStatus.KEPT

    # The incident page shows the outcome instead of the progress.
    page.get_by_role("link", name=incident.title).first.click()
    page.wait_for_url(f"**/incidents/{incident.pk}/")
    expect(page.locator("table.affected tbody tr")).to_contain_text("Recovered")


def test_an_agent_pauses_and_resumes_the_clock(page, people, account, declare):
    case = declare([account]).cases.get()
    browser_login(page, "alex")
    page.goto(f"/cases/{case.pk}/")
    clock = page.locator("#clock")
    expect(clock).to_contain_text("The clock is running.")

    clock.get_by_placeholder("What are we waiting for?").fill("Their list of affected clients")
    clock.get_by_role("button", name="Pause the clock").click()

    expect(messages(page)).to_contain_text("Clock paused. Deadlines wait until you resume.")
    expect(page.locator(".pagehead .badges")).to_contain_text("Clock paused")
    expect(clock).to_contain_text("waiting on the customer: Their list of affected clients")
    expect(clock.get_by_role("button", name="Pause the clock")).to_have_count(0)
    case.refresh_from_db()
    assert case.is_paused and case.pause_reason == "Their list of affected clients"

    clock.get_by_role("button", name="Resume the clock").click()

    expect(messages(page)).to_contain_text("Clock resumed")
    expect(clock).to_contain_text("The clock is running.")
    expect(page.locator(".pagehead .badges")).not_to_contain_text("Clock paused")
    case.refresh_from_db()
    assert not case.is_paused
    pause = CasePause.objects.get(case=case)
    assert pause.ended_at is not None and pause.reason == "Their list of affected clients"


def test_my_work_lists_an_escalation_for_a_late_step(page, people, account, declare):
    case = declare([account]).cases.get()
    late = case.steps.get(key="first_contact")
    assert deadlines_check(now=late.due_at + timedelta(hours=30)) > 0

    browser_login(page, "alex")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    page.wait_for_url("**/cases/")

    escalated = page.locator("#escalated")
    entry = escalated.locator("li").filter(has_text="Late step: Tell them first")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Owner")
    expect(entry.get_by_role("link", name="Harbor Printing Ltd")).to_have_attribute(
        "href", f"/cases/{case.pk}/"
    )
    # And the case is among the open ones.
    expect(page.locator("#open-cases table.cases")).to_contain_text("Harbor Printing Ltd")

    entry.get_by_role("link", name="Harbor Printing Ltd").click()
    page.wait_for_url(f"**/cases/{case.pk}/")
    expect(page.locator("#escalations")).to_contain_text("Late step: Tell them first")


def test_a_viewer_sees_the_case_but_cannot_work_it(page, people, account, declare):
    case = declare([account]).cases.get()
    browser_login(page, "vic")
    page.goto(f"/cases/{case.pk}/")

    expect(
        page.get_by_role("heading", name="Recover from a mistake: Harbor Printing Ltd")
    ).to_be_visible()
    expect(page.locator("#steps li.step")).to_have_count(9)
    expect(step(page, "first_contact")).to_contain_text("Tell them first")
    expect(page.get_by_role("button", name="Mark")).to_have_count(0)
    expect(page.get_by_text("Skip this step")).to_have_count(0)
    expect(page.get_by_text("Record: First contact")).to_have_count(0)
    expect(page.get_by_role("button", name="Pause the clock")).to_have_count(0)
    expect(page.get_by_text("Add a commitment")).to_have_count(0)
    expect(page.locator("#close")).to_have_count(0)
    expect(page.locator("main form")).to_have_count(0)
