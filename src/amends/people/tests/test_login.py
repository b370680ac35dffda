import pytest
from django.test import override_settings
from django.urls import reverse

from conftest import PASSWORD


def attempt(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.mark.django_db
def test_it_logs_in_with_the_right_password(client, people):
    response = attempt(client, "alex", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:list")


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_it_stops_password_guessing_for_a_username(client, people):
    for _ in range(3):
        assert "Please enter a correct username" in attempt(client, "alex", "guess").text
    refused = attempt(client, "alex", PASSWORD)
    assert refused.status_code == 200
    assert "Too many failed attempts" in refused.text
    assert "_auth_user_id" not in client.session
    # Other people can still log in.
    assert attempt(client, "mia", PASSWORD, address="10.0.0.2").status_code == 302


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=2)
def test_it_stops_one_address_guessing_many_usernames(client, people):
    for number in range(8):
        attempt(client, f"user{number}", "guess", address="192.0.2.9")
    assert "Too many failed attempts" in attempt(client, "alex", PASSWORD, "192.0.2.9").text
    assert attempt(client, "alex", PASSWORD, "192.0.2.10").status_code == 302


@pytest.mark.django_db
@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_it_forgets_failures_after_a_good_login(client, people):
    attempt(client, "alex", "guess")
    attempt(client, "alex", "guess")
    assert attempt(client, "alex", PASSWORD).status_code == 302
    client.logout()
    attempt(client, "alex", "guess")
    attempt(client, "alex", "guess")
    assert attempt(client, "alex", PASSWORD).status_code == 302
