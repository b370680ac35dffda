"""A notice in a real browser: written on the incident page with its list of people
(a bad file first, explained line by line), started, and watched to the end."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from amends.notices.models import NoticeRun
from amends.notices.sending import notice_run_send
from conftest import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("shipped_defaults"),
]

GOOD = """email,name,language,form_no
joanna@harbor.example,Joanna Nowak,pl,F-1
sam@harbor.example,Sam Lee,en,F-2
eleni@harbor.example,Ελένη Παπαδοπούλου,el,F-3
"""
BAD = """email,name,language,form_no
joanna@harbor,Joanna Nowak,pl,F-1
sam@harbor.example,Sam Lee,en,F-2
sam@harbor.example,Sam again,en,F-3
"""


def write_notice(page, csv_text):
    panel = page.locator("#notices")
    if not panel.get_by_label("Name").is_visible():
        panel.get_by_text("Write a notice").click()
    panel.get_by_label("Name").fill("Corrected 2024 tax forms")
    panel.get_by_label("Language").fill("en")
    panel.get_by_label("Subject").fill("Your corrected tax form {{ fields.form_no }}")
    panel.get_by_label("Letter").fill("Dear {{ name }},\n\nform {{ fields.form_no }} replaces it.")
    panel.get_by_label("People to write to").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": csv_text.encode("utf-8")}
    )
    panel.get_by_role("button", name="Save the notice").click()


def test_a_notice_is_written_on_the_incident_page_started_and_watched(
    page, people, declare, account
):
    incident = declare([account])
    browser_login(page, "alex")
    page.goto(f"/incidents/{incident.pk}/")
    expect(page.locator("#notices")).to_contain_text("No notice yet.")

    write_notice(page, BAD)
    problems = page.get_by_role("alert").filter(has_text="Nobody was queued")
    expect(problems).to_contain_text("“joanna@harbor” is not an email address")
    expect(problems.locator("tbody tr")).to_have_count(2)
    expect(problems.locator("tbody tr").nth(1)).to_contain_text("already on line 3")
    assert not NoticeRun.objects.exists()

    page.goto(f"/incidents/{incident.pk}/")
    write_notice(page, GOOD)
    expect(page.locator("ul.messages")).to_contain_text("with 3 people to write to")
    run = NoticeRun.objects.get()
    page.wait_for_url(f"**/notices/{run.pk}/")
    expect(page.locator(".notice-preview")).to_contain_text("Dear Joanna Nowak,")

    page.get_by_role("button", name="Send to 3 people").click()
    expect(page.locator("ul.messages")).to_contain_text("Sending started.")
    progress = page.locator("#notice-progress")
    expect(progress).to_contain_text("0 of 3 sent")
    expect(progress.get_by_role("button", name="Pause")).to_be_visible()

    # The worker's part, here: the page polls and shows it done without a reload.
    mail.outbox = []
    assert notice_run_send(run_id=run.pk).sent == 3
    expect(progress).to_contain_text("3 of 3 sent", timeout=8000)
    expect(progress).to_contain_text("Done")
    expect(progress.get_by_role("button", name="Pause")).to_have_count(0)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "eleni@harbor.example",
        "joanna@harbor.example",
        "sam@harbor.example",
    ]

    page.goto(f"/incidents/{incident.pk}/")
    expect(page.locator("#notice-runs")).to_contain_text("3 of 3 sent")
