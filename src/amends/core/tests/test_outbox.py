"""The demo's outbox: mail kept by Django's file backend, read back at /outbox/."""

import pytest
from django.core import mail as django_mail
from django.urls import reverse
from playwright.sync_api import expect

from conftest import browser_login


@pytest.fixture
def outbox(settings, tmp_path):
    folder = tmp_path / "outbox"
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(folder)},
        }
    }
    settings.AMENDS_OUTBOX = str(folder)
    return folder


def _send(to, subject, body="Dear Joanna,\n\nI am sorry <b>we</b> let you down."):
    django_mail.EmailMessage(subject, body, "amends@localhost", [to]).send()


@pytest.mark.django_db
def test_it_shows_staff_every_message_and_others_their_own(client, people, outbox):
    people.agent.email = "alex@amends.example"
    people.agent.save(update_fields=["email"])
    _send("joanna@harbor.example", "I am sorry about the forms")
    _send("Alex <ALEX@amends.example>", "Late step: Tell them first")
    client.force_login(people.admin)
    page = client.get(reverse("core:outbox")).text
    assert "I am sorry about the forms" in page and "Late step: Tell them first" in page
    assert "&lt;b&gt;we&lt;/b&gt;" in page  # the mail's text, never its markup
    client.force_login(people.agent)
    page = client.get(reverse("core:outbox")).text
    assert "Late step: Tell them first" in page and "I am sorry about the forms" not in page


@pytest.mark.django_db
def test_a_person_s_older_mail_is_not_crowded_out_by_others(client, people, outbox):
    people.agent.email = "alex@amends.example"
    people.agent.save(update_fields=["email"])
    _send("alex@amends.example", "Yours, before the crowd")
    crowd = [
        django_mail.EmailMessage(f"Digest {n}", "x", "a@localhost", ["mia@amends.example"])
        for n in range(205)
    ]
    django_mail.mailers.default.send_messages(crowd)
    client.force_login(people.agent)
    assert "Yours, before the crowd" in client.get(reverse("core:outbox")).text


@pytest.mark.django_db
def test_there_is_no_outbox_where_mail_goes_to_a_server(client, people, settings):
    settings.AMENDS_OUTBOX = ""
    client.force_login(people.admin)
    assert client.get(reverse("core:outbox")).status_code == 404
    assert reverse("core:outbox") not in client.get(reverse("recovery:work")).text


def test_a_stranger_is_sent_to_log_in(client, outbox):
    response = client.get(reverse("core:outbox"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_outbox_in_the_browser(page, people, outbox):
    _send("joanna@harbor.example", "I am sorry about the forms")
    browser_login(page, "ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Outbox").click()
    page.wait_for_url("**/outbox/")
    expect(page.locator(".outbox li")).to_have_count(1)
    expect(page.locator(".outbox")).to_contain_text("I am sorry <b>we</b> let you down.")
