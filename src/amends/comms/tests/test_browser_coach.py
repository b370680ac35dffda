"""The apology coach in a real browser: advice appears as you type, goes when the
draft is fixed, and the apology reaches a real SMTP server."""

import pytest
from playwright.sync_api import expect

from amends.comms.models import Message, MessageState
from conftest import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("shipped_defaults"),
]

CORPORATE = "The company regrets the error with your forms."
FIXED = (
    "Dear Joanna, I am sorry. I printed your 65,000 tax forms with last year's date, and your "
    "team had to check every one of them. I will reprint every form and deliver them to your "
    "office by Friday 27 November.\n\nalex"
)


def test_the_coach_advises_as_you_type_and_the_apology_is_sent(
    page, people, account, declare, smtp_server
):
    case = declare([account]).cases.get()
    browser_login(page, "alex")
    page.goto(f"/cases/{case.pk}/")

    panel = page.locator("#messages")
    expect(panel.get_by_text("Nothing sent from this case yet.")).to_be_visible()
    # Choosing a kind brings its draft, with no click; the button is there without JavaScript.
    composer = page.locator("#composer")
    subject = composer.get_by_label("Subject")
    panel.get_by_label("Kind").select_option(label="Explanation")
    expect(subject).to_have_value(
        "What happened, and why: 65,000 tax forms printed with the wrong year"
    )
    panel.get_by_label("Kind").select_option(label="Apology")
    expect(subject).to_have_value("I am sorry: 65,000 tax forms printed with the wrong year")
    body = composer.get_by_label("Message")
    expect(body).to_contain_text("I am sorry we let you down.")
    coach = composer.locator("#coach")

    body.fill("")
    body.press_sequentially(CORPORATE)
    advice = coach.locator("li.unmet[data-check='first_person']")
    expect(advice).to_contain_text("Write it as yourself")
    expect(advice).to_contain_text("the company")

    body.fill("")
    body.press_sequentially(FIXED)
    expect(coach.get_by_text("Write it as yourself")).to_have_count(0)
    expect(coach.locator("li.met[data-check='first_person']")).to_have_count(1)
    expect(coach.locator("li.unmet")).to_have_count(0)

    subject.fill("I am sorry about your forms")
    composer.get_by_role("button", name="Send").click()

    page.wait_for_url(f"**/cases/{case.pk}/#messages")
    expect(page.locator("ul.messages")).to_contain_text(
        "Sent to joanna@harbor.example: “I am sorry about your forms”."
    )
    expect(page.locator("table.message-log tbody tr")).to_contain_text(
        "I am sorry about your forms"
    )
    assert smtp_server.wait_for(1)
    mail = smtp_server.to("joanna@harbor.example")[0]
    assert mail["Subject"] == "I am sorry about your forms"
    assert "I will reprint every form" in mail.get_content()
    assert Message.objects.get().state == MessageState.SENT
