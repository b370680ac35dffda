"""Incidents in a real browser: declaring one with the htmx account picker, the
"this has happened before" hint, the post-mortem and its public page."""

import re

import pytest
from playwright.sync_api import expect

from amends.accounts.services import account_create, contact_create
from amends.incidents.models import Incident
from amends.recovery.models import RecoveryCase
from amends.timeline.services import Actor
from conftest import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("shipped_defaults"),
]


def test_an_agent_declares_an_incident_with_the_account_picker(page, people, account):
    browser_login(page, "alex")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    page.wait_for_url("**/incidents/")
    page.get_by_role("link", name="Declare an incident").click()
    page.wait_for_url("**/incidents/new/")

    page.get_by_label("What went wrong, in a few words").fill("Invoices printed twice")
    page.get_by_label("Severity").select_option(label="Major")
    page.get_by_label("Cause").select_option(label="Supplier")
    page.get_by_label("Tags").fill("billing, printing")

    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/incidents/similar/" in r.url else None)
    page.locator("#picker-q").fill("harbor")
    picker = page.locator("#picker")
    expect(picker).to_contain_text("Harbor Printing Ltd")
    before = len(asked)
    picker.get_by_role("button", name="Add").click()
    row = page.locator(f"#affected-{account.pk}")
    expect(row).to_contain_text("Harbor Printing Ltd")
    # Leaving the search box is not a change of the incident: the hint does not ask again
    # (its answer moved the page under the click on "Add", and lost it).
    assert len(asked) == before, asked
    row.locator(f'input[name="units-{account.pk}"]').fill("120")
    impact = row.locator(f'input[name="impact-{account.pk}"]')
    impact.fill("Paid twice")
    # Leaving the field changes the form, and the "happened before" hint asks again:
    # let it answer first, so the page does not move under the click.
    with page.expect_response("**/incidents/similar/**"):
        impact.blur()

    page.get_by_role("button", name="Declare and open the cases").click()

    page.wait_for_url(re.compile(r".*/incidents/\d+/$"))  # saved: the incident's page
    incident = Incident.objects.get()
    assert page.url.endswith(f"/incidents/{incident.pk}/")
    expect(page.locator("ul.messages")).to_contain_text(
        "Incident declared; 1 recovery cases opened."
    )
    expect(page.get_by_role("heading", name="Invoices printed twice")).to_be_visible()
    affected = page.locator("table.affected tbody tr")
    expect(affected).to_have_count(1)
    expect(affected).to_contain_text("Harbor Printing Ltd")
    expect(affected).to_contain_text("120 units")
    expect(affected).to_contain_text("Paid twice")
    case = RecoveryCase.objects.get()
    progress = affected.get_by_role("link", name="0/9")
    expect(progress).to_have_attribute("href", f"/cases/{case.pk}/")

    assert case.incident_id == incident.pk and case.account_id == account.pk
    assert incident.severity == 2 and incident.cause.slug == "supplier"
    assert incident.tags == ["billing", "printing"]
    assert incident.affected.get().units == 120


def test_the_declare_form_says_this_has_happened_before(page, people, account, declare):
    earlier = declare([account], title="Tax forms printed with last year", tags=["printing"])
    browser_login(page, "alex")
    with page.expect_response("**/incidents/similar/**") as first_check:
        page.goto("/incidents/new/")
    assert first_check.value.ok
    similar = page.locator("#similar")
    # The default cause is not the earlier one's: nothing to say yet.
    expect(page.get_by_label("Cause")).not_to_have_value(str(earlier.cause_id))
    expect(similar).not_to_contain_text("This has happened before")

    page.get_by_label("What went wrong, in a few words").fill("Letters sent to old addresses")
    page.get_by_label("Tags").fill("Printing, post")
    page.get_by_label("Cause").select_option(label="Supplier")  # a change: htmx asks again

    expect(similar.get_by_role("heading", name="This has happened before")).to_be_visible()
    link = similar.get_by_role("link", name="Tax forms printed with last year")
    expect(link).to_have_attribute("href", f"/incidents/{earlier.pk}/")

    # Another cause: no longer the same story.
    page.get_by_label("Cause").select_option(label="Process")
    expect(similar).not_to_contain_text("This has happened before")
    page.get_by_label("Cause").select_option(label="Supplier")
    expect(link).to_be_visible()  # the last answer wins (hx-sync replaces older requests)
    link.click()
    page.wait_for_url(f"**/incidents/{earlier.pk}/")
    expect(page.get_by_role("heading", name="Tax forms printed with last year")).to_be_visible()


def test_a_published_post_mortem_reads_without_customer_names(page, people, account, declare):
    incident = declare([account], title="Harbor Printing Ltd got the wrong tax forms")
    browser_login(page, "alex")
    page.goto(f"/incidents/{incident.pk}/")
    postmortem = page.locator("#postmortem")
    expect(postmortem.get_by_role("link", name="Public page (no customer names)")).to_have_count(0)

    postmortem.get_by_text("Write the post-mortem").click()
    postmortem.get_by_label("What happened").fill("Harbor Printing Ltd received forms for 2023.")
    postmortem.get_by_label("How and why").fill("The template year was hard-coded.")
    postmortem.get_by_label("What was done").fill(
        "We reprinted every form for harbor printing ltd."
    )
    postmortem.get_by_label("What changed").fill("The year now comes from the order.")
    postmortem.get_by_role("checkbox", name="Published").check()
    postmortem.get_by_role("button", name="Save the post-mortem").click()

    expect(page.locator("ul.messages")).to_contain_text("Post-mortem saved.")
    # The team's own page keeps the names.
    expect(postmortem).to_contain_text("Harbor Printing Ltd received forms for 2023.")
    public = postmortem.get_by_role("link", name="Public page (no customer names)")
    key = incident.postmortem.public_key  # read while the page is idle: the live
    public.click()  # server's threads share the in-memory database's one connection
    page.wait_for_url(f"**/postmortems/{key}/")

    article = page.locator("article")
    expect(article.get_by_role("heading", level=1)).to_have_text(
        "[a customer] got the wrong tax forms"
    )
    expect(article).to_contain_text("[a customer] received forms for 2023.")
    expect(article).to_contain_text("The template year was hard-coded.")
    expect(article).to_contain_text("We reprinted every form for [a customer].")
    expect(article).to_contain_text("The year now comes from the order.")
    assert "harbor" not in page.content().lower()
    incident.postmortem.refresh_from_db()
    assert incident.postmortem.published_at is not None

    # Anyone with the link may read it: no login needed.
    page.context.clear_cookies()
    page.reload()
    expect(article).to_contain_text("The year now comes from the order.")
    assert "harbor" not in page.content().lower()


def test_a_viewer_sees_the_incident_but_not_the_post_mortem_form(page, people, account, declare):
    incident = declare([account])
    browser_login(page, "vic")
    page.goto(f"/incidents/{incident.pk}/")

    expect(page.get_by_role("heading", name=incident.title)).to_be_visible()
    expect(page.locator("table.affected tbody tr")).to_contain_text("Harbor Printing Ltd")
    postmortem = page.locator("#postmortem")
    expect(postmortem).to_contain_text("Not written yet.")
    expect(postmortem.get_by_text("Write the post-mortem")).to_have_count(0)
    expect(postmortem.locator("form")).to_have_count(0)
    expect(page.get_by_role("button", name="Save the post-mortem")).to_have_count(0)
    expect(page.get_by_role("button", name="Mark resolved")).to_have_count(0)
    expect(page.get_by_text("Add affected accounts")).to_have_count(0)


def test_the_author_previews_the_public_version_before_publishing(page, people, declare):
    actor = Actor(user=people.agent, via="web")
    brightline = account_create(actor=actor, team=people.north, name="Brightline Logistics GmbH")
    contact_create(actor=actor, account=brightline, name="Alice Moreau")
    incident = declare([brightline], title="Pallets sent to the wrong depot")
    browser_login(page, "alex")
    page.goto(f"/incidents/{incident.pk}/")
    postmortem = page.locator("#postmortem")
    postmortem.get_by_text("Write the post-mortem").click()
    postmortem.get_by_label("What happened").fill(
        "Brightline's pallets went astray. Alice Moreau called from +30 210 123 4567."
    )
    postmortem.get_by_label("What changed").fill("Alice now gets a text on 2026-11-20.")
    postmortem.get_by_role("checkbox", name="Published").check()
    postmortem.get_by_role("button", name="Preview the public version").click()

    preview = page.locator("#public-preview")
    expect(preview).to_contain_text("not saved yet")
    expect(preview).to_contain_text(
        "[a customer]'s pallets went astray. [a person] called from [phone number]."
    )
    expect(preview).to_contain_text("[a person] now gets a text on 2026-11-20.")
    marks = preview.locator("mark.scrubbed")
    expect(marks).to_have_count(4)
    expect(marks.first).to_have_attribute("title", "Brightline")
    expect(preview.locator("ul.replaced li")).to_have_text(
        [
            "Brightline → [a customer]",
            "Alice Moreau → [a person]",
            "+30 210 123 4567 → [phone number]",
            "Alice → [a person]",
        ]
    )
    incident.postmortem.refresh_from_db()
    assert incident.postmortem.published_at is None  # a preview saves nothing

    # What was typed is still on the form: saving publishes it.
    postmortem.get_by_role("button", name="Save the post-mortem").click()
    expect(page.locator("ul.messages")).to_contain_text("Post-mortem saved.")
    postmortem.get_by_role("link", name="Public page (no customer names)").click()
    incident.postmortem.refresh_from_db()
    page.wait_for_url(f"**/postmortems/{incident.postmortem.public_key}/")
    article = page.locator("article")
    expect(article).to_contain_text(
        "[a customer]'s pallets went astray. [a person] called from [phone number]."
    )
    expect(article.locator("mark")).to_have_count(0)
    content = page.content().lower()
    assert "brightline" not in content and "alice" not in content and "210 123" not in content


def test_the_affected_accounts_turn_a_page_at_a_time(page, people, declare):
    actor = Actor(user=people.agent, via="web")
    accounts = [
        account_create(actor=actor, team=people.north, name=f"Client {n:03}") for n in range(51)
    ]
    incident = declare(accounts)
    browser_login(page, "alex")
    page.goto(f"/incidents/{incident.pk}/")
    rows = page.locator("table.affected tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("Client 000")

    pager = page.get_by_role("navigation", name="Pages")
    expect(pager).to_contain_text("Accounts 1 to 50 of 51")
    pager.get_by_role("link", name="Next").click()
    page.wait_for_url(f"**/incidents/{incident.pk}/?page=2")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Client 050")
    # Only the table was swapped: the rest of the page is still there, once.
    expect(page.get_by_role("heading", name=incident.title)).to_have_count(1)
    expect(page.locator("#postmortem")).to_have_count(1)

    pager.get_by_role("link", name="Previous").click()
    expect(rows).to_have_count(50)
