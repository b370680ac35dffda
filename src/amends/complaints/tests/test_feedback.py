"""The public feedback page and endpoint: open to customers, closed to spam."""

import time

import pytest
from django.urls import reverse

from amends.complaints.feedback import form_token
from amends.complaints.models import Channel, Complaint

pytestmark = pytest.mark.django_db

WORDS = "The forms came with the wrong year, and nobody told us."


def _data(page, **extra):
    data = {
        "name": "Joanna Nowak",
        "email": "joanna@harbor.example",
        "company": "Harbor",
        "message": WORDS,
        "token": form_token(page, issued_at=time.time() - 10),
        "website": "",
    }
    return {**data, **extra}


def _send(client, page, **extra):
    return client.post(reverse("complaints:feedback", args=[page.public_key]), _data(page, **extra))


def test_a_customer_sends_feedback_without_logging_in(client, feedback_page, account):
    form = client.get(reverse("complaints:feedback", args=[feedback_page.public_key]))
    assert form.status_code == 200
    assert "Tell North what happened" in form.text and 'name="token"' in form.text

    sent = _send(client, feedback_page, message=f"  {WORDS}\n")
    assert sent.status_code == 302
    thanks = client.get(sent["Location"])
    assert "Thank you for telling us" in thanks.text

    complaint = Complaint.objects.get()
    assert complaint.text == f"  {WORDS}\n"  # their words, as given
    assert complaint.channel == Channel.FEEDBACK_PAGE
    assert complaint.customer_company == "Harbor"
    assert complaint.team_id == feedback_page.team_id
    assert complaint.account_id == account.pk  # Joanna is a contact of Harbor Printing


def test_it_leaves_an_unknown_sender_unlinked(client, feedback_page, account):
    _send(client, feedback_page, email="stranger@example.com")
    assert Complaint.objects.get().account_id is None


def test_it_refuses_a_filled_honeypot(client, feedback_page):
    response = _send(client, feedback_page, website="http://spam.example")
    assert response.status_code == 400
    assert "looks automated" in response.text
    assert not Complaint.objects.exists()


def test_it_refuses_a_form_sent_faster_than_a_person_types(client, feedback_page, settings):
    settings.AMENDS_FEEDBACK_MIN_SECONDS = 3
    response = _send(client, feedback_page, token=form_token(feedback_page))
    assert response.status_code == 400
    assert "faster than a person can type" in response.text
    assert WORDS in response.text  # they keep what they wrote
    assert not Complaint.objects.exists()


def test_it_refuses_an_old_forged_or_foreign_token(client, feedback_page, people):
    from amends.complaints.feedback_page import feedback_page_enable
    from amends.timeline.services import Actor

    south = feedback_page_enable(actor=Actor(user=people.admin), team=people.south)
    for token in (
        form_token(feedback_page, issued_at=time.time() - 2 * 24 * 3600),
        "made-up",
        "",
        form_token(south, issued_at=time.time() - 10),
    ):
        assert _send(client, feedback_page, token=token).status_code == 400
    assert not Complaint.objects.exists()


def test_it_caps_the_length_and_asks_for_the_essentials(client, feedback_page):
    long = _send(client, feedback_page, message="x" * 5001)
    assert long.status_code == 400
    assert "at most 5000 characters" in long.text
    empty = _send(client, feedback_page, message="   ", email="not-an-email")
    assert "Tell us what happened." in empty.text
    assert "Enter a valid email address." in empty.text
    assert not Complaint.objects.exists()


def test_it_limits_submissions_per_address(client, feedback_page, settings):
    settings.AMENDS_FEEDBACK_LIMIT_PER_ADDRESS = 5
    for _ in range(5):
        assert _send(client, feedback_page).status_code == 302
    limited = _send(client, feedback_page, message="One more.")
    assert limited.status_code == 429
    assert "Please try again in 10 minutes" in limited.text
    assert "One more." in limited.text
    assert Complaint.objects.count() == 5
    # Another address is still welcome.
    other = client.post(
        reverse("complaints:feedback", args=[feedback_page.public_key]),
        _data(feedback_page),
        REMOTE_ADDR="10.0.0.9",
    )
    assert other.status_code == 302


def test_it_limits_submissions_per_page(client, feedback_page, settings):
    settings.AMENDS_FEEDBACK_LIMIT_PER_PAGE = 3
    url = reverse("complaints:feedback", args=[feedback_page.public_key])
    codes = [
        client.post(url, _data(feedback_page), REMOTE_ADDR=f"10.0.0.{n}").status_code
        for n in range(4)
    ]
    assert codes == [302, 302, 302, 429]


def test_a_closed_or_unknown_page_is_not_found(client, feedback_page):
    assert client.get(reverse("complaints:feedback", args=["nope"])).status_code == 404
    feedback_page.active = False
    feedback_page.save()
    url = reverse("complaints:feedback", args=[feedback_page.public_key])
    assert client.get(url).status_code == 404
    assert _send(client, feedback_page).status_code == 404
    assert not Complaint.objects.exists()


# -- the same through the API ------------------------------------------------------


def _api(client, page, **extra):
    return client.post(
        f"/api/v1/feedback/{page.public_key}", _data(page, **extra), content_type="application/json"
    )


def test_the_api_takes_feedback_without_a_login(client, feedback_page, settings):
    settings.AMENDS_FEEDBACK_MIN_SECONDS = 0
    form = client.get(f"/api/v1/feedback/{feedback_page.public_key}")
    assert form.status_code == 200
    token = form.json()["token"]

    sent = _api(client, feedback_page, token=token, message="<script>alert(1)</script>")
    assert sent.status_code == 201, sent.content
    assert Complaint.objects.get().text == "<script>alert(1)</script>"


def test_the_api_refuses_spam_and_floods(client, feedback_page, settings):
    honeypot = _api(client, feedback_page, website="x")
    assert honeypot.status_code == 400 and "automated" in honeypot.json()["message"]
    fast = _api(client, feedback_page, token=form_token(feedback_page))
    assert fast.status_code == 422
    assert fast.json()["errors"][0]["field"] == "token"
    long = _api(client, feedback_page, message="x" * 5001)
    assert long.status_code == 422
    # The spam above counted (the over-long message never reached the view).
    settings.AMENDS_FEEDBACK_LIMIT_PER_ADDRESS = 2
    limited = _api(client, feedback_page)
    assert limited.status_code == 429
    assert "try again in 10 minutes" in limited.json()["message"]
    assert not Complaint.objects.exists()
    nowhere = client.post(
        "/api/v1/feedback/nope", _data(feedback_page), content_type="application/json"
    )
    assert nowhere.status_code == 404
