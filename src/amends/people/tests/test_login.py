"""Logging in, and what stops password guessing (django-axes): a username is
locked only from the address that guessed, on the app's login and the admin's."""

import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from conftest import PASSWORD, login

pytestmark = pytest.mark.django_db


def attempt(client, username, password, address="10.0.0.1", url=None):
    return client.post(
        url or reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_it_logs_in_with_the_right_password(client, people):
    response = attempt(client, "alex", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("recovery:work")  # a person starts the day on My work


@override_settings(AXES_FAILURE_LIMIT=3)
def test_it_stops_password_guessing_for_a_username_from_that_address(client, people):
    for _ in range(2):
        assert "Please enter a correct username" in attempt(client, "alex", "guess").text
    locked = attempt(client, "alex", "guess")
    assert locked.status_code == 429
    refused = attempt(client, "alex", PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed attempts" in refused.text
    assert "_auth_user_id" not in client.session
    # Not a global lock: the real person, from their own address, still gets in.
    assert attempt(client, "alex", PASSWORD, address="10.0.0.2").status_code == 302


@pytest.mark.parametrize("url", ["/admin/login/", "/login/"])
def test_five_wrong_passwords_for_the_admin_do_not_lock_the_admin_out(client, people, url):
    for _ in range(5):
        attempt(client, "ada", "guess", address="203.0.113.7", url=url)
    assert attempt(client, "ada", PASSWORD, address="203.0.113.7", url=url).status_code == 429
    client.logout()
    admitted = attempt(client, "ada", PASSWORD, address="198.51.100.1", url=url)
    assert admitted.status_code == 302
    assert client.session.get("_auth_user_id") == str(people.admin.pk)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_it_forgets_failures_after_a_good_login(client, people):
    attempt(client, "alex", "guess")
    attempt(client, "alex", "guess")
    assert attempt(client, "alex", PASSWORD).status_code == 302
    client.logout()
    attempt(client, "alex", "guess")
    attempt(client, "alex", "guess")
    assert attempt(client, "alex", PASSWORD).status_code == 302


def test_a_user_changes_their_password(client, people):
    login(client, people.agent)
    url = reverse("people:password-change")
    wrong = client.post(url, {"old_password": "nope", "new_password1": "x", "new_password2": "x"})
    assert wrong.status_code == 200 and "old password was entered incorrectly" in wrong.text
    changed = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "a longer new passphrase",
            "new_password2": "a longer new passphrase",
        },
    )
    assert changed.status_code == 302
    assert client.get(reverse("accounts:list")).status_code == 200  # still logged in
    people.agent.refresh_from_db()
    assert people.agent.check_password("a longer new passphrase")


def test_changing_a_password_needs_a_login(client):
    response = client.get(reverse("people:password-change"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@override_settings(
    SITE_URL="https://amends.example.com", ALLOWED_HOSTS=["testserver", "evil.example"]
)
def test_a_forgotten_password_is_reset_by_a_link_sent_by_email(client, people):
    people.agent.email = "alex@north.example"
    people.agent.save()
    sent = client.post(
        reverse("people:password-reset"),
        {"email": "ALEX@north.example"},
        HTTP_HOST="evil.example",
    )
    assert sent.status_code == 302
    assert client.get(sent["Location"]).status_code == 200
    (message,) = mail.outbox
    assert message.to == ["alex@north.example"]
    link = re.search(r"https://amends\.example\.com(/password-reset/\S+/)", message.body)
    assert link, message.body  # the link names the configured site, never the Host header
    form = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form.text
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(1),
        {"new_password1": "a fresh passphrase 2026", "new_password2": "a fresh passphrase 2026"},
    )
    assert done.status_code == 302
    assert attempt(client, "alex", "a fresh passphrase 2026").status_code == 302
    # The link works once.
    client.logout()
    again = client.get(link.group(1), follow=True)
    assert "has been used already" in again.text


def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, people):
    response = client.post(reverse("people:password-reset"), {"email": "nobody@x.example"})
    assert response.status_code == 302
    assert mail.outbox == []


@override_settings(AXES_FAILURE_LIMIT=2, BEHIND_PROXY=True)
def test_behind_a_proxy_each_client_is_counted_by_the_address_the_proxy_saw(client, people):
    def through_proxy(password, seen, claimed="1.2.3.4"):
        return client.post(
            reverse("login"),
            {"username": "alex", "password": password},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"{claimed}, {seen}",
        )

    # A guesser changing what it claims is still counted by what the proxy saw.
    through_proxy("guess", "203.0.113.7", claimed="10.0.0.1")
    assert through_proxy("guess", "203.0.113.7", claimed="10.0.0.2").status_code == 429
    assert through_proxy(PASSWORD, "203.0.113.7", claimed="10.0.0.3").status_code == 429
    # The real user, behind the same proxy, is not locked out.
    assert through_proxy(PASSWORD, "198.51.100.20").status_code == 302
