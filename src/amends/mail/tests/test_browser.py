"""The whole conversation in a real browser: a customer's mail arrives by IMAP, the
agent answers from the inbox, the customer's reply (delivered back into Dovecot)
appears in the same thread. And the manager's mailbox screen."""

import pytest
from playwright.sync_api import expect

from amends.mail.imap import mailboxes_poll_all
from amends.mail.tests.test_receive import mail
from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_writes_is_answered_and_writes_back_without_leaving_amends(
    page, people, account, box, imap_mailbox, smtp_server
):
    imap_mailbox.append(
        "north",
        mail(
            subject="Etykiety przyszły za późno",
            body="Zamówienie miało być w poniedziałek, przyszło w piątek.",
        ),
    )
    assert mailboxes_poll_all() == 1

    browser_login(page, "alex")
    page.goto("/inbox/")
    page.get_by_role("link", name="Zamówienie miało być w poniedziałek").first.click()
    conversation = page.locator("#mail")
    expect(conversation).to_contain_text("przyszło w piątek")

    conversation.get_by_label("Your answer").fill(
        "I am sorry: I sent your labels late. They are on the way today; I will call you Friday."
    )
    conversation.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_text("Answer sent to joanna@harbor.example.")).to_be_visible()
    expect(conversation.locator("article.mail-out")).to_contain_text("I sent your labels late")

    assert smtp_server.wait_for(1)
    [answer] = smtp_server.messages()
    # The customer's mail program answers the answer: into the team's mailbox.
    imap_mailbox.append(
        "north",
        mail(
            subject=f"Re: {answer['Subject']}",
            body="Dziękuję, dotarły.\n\nW dniu pt., 4 gru 2026 Support napisał(a):\n> I am sorry",
            message_id="<back@harbor.example>",
            In_Reply_To=answer["Message-ID"],
        ),
    )
    assert mailboxes_poll_all() == 1
    page.reload()
    mails = page.locator("#mail article.mail")
    expect(mails).to_have_count(3)
    expect(mails.nth(2)).to_contain_text("Dziękuję, dotarły.")
    quoted = mails.nth(2).locator("details.mail-quoted")
    expect(quoted.locator("div")).not_to_be_visible()
    quoted.get_by_text("Show quoted text").click()
    expect(quoted).to_contain_text("I am sorry")


def test_a_manager_sets_up_the_mailbox_and_tests_the_connection(page, people, imap_mailbox):
    browser_login(page, "mia")
    page.goto("/mail/mailboxes/")
    page.get_by_role("link", name="North").click()
    page.get_by_label("address customers write to").fill("support@north.example")
    page.get_by_label("IMAP server").fill(imap_mailbox.host)
    page.get_by_label("port").fill(str(imap_mailbox.port))
    page.get_by_label("security").select_option("none")
    page.get_by_label("user name").fill("north")
    page.get_by_label("password or app password").fill(imap_mailbox.users["north"])
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Mailbox saved.")).to_be_visible()
    # The password is never shown again.
    expect(page.get_by_label("password or app password")).to_have_value("")
    page.get_by_role("button", name="Test the connection").click()
    expect(page.get_by_text("Connected: 0 mail(s) in INBOX")).to_be_visible()


def test_an_agent_cannot_open_the_mailbox_settings(page, people):
    browser_login(page, "alex")
    response = page.goto(f"/mail/mailboxes/{people.north.pk}/")
    assert response.status == 403
