"""Writing to the customer from the case page: the draft, the coach as you type,
sending exactly once, a confirmed resend, the delivery log, and who may do what."""

import pytest
from django.urls import reverse

from amends.comms.models import Message, MessageState
from amends.timeline.models import Event
from conftest import login

pytestmark = pytest.mark.django_db

APOLOGY = (
    "Dear Joanna, I am sorry. I sent your team 65,000 forms printed with last year's date, "
    "and your staff lost two days checking them. I will reprint every form and deliver them "
    "by Friday 27 November.\n\nalex"
)


@pytest.fixture
def case(declare, account):
    return declare([account]).cases.get()


def _send(client, case, **changes):
    data = {
        "kind": "apology",
        "language": "en",
        "to_email": "joanna@harbor.example",
        "to_name": "Joanna Nowak",
        "subject": "I am sorry about the forms",
        "body": APOLOGY,
        **changes,
    }
    return client.post(reverse("comms:case-send", args=[case.pk]), data)


def test_the_case_page_offers_the_composer_to_a_writer_only(client, people, case):
    page = login(client, people.agent).get(reverse("recovery:case", args=[case.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="message-chooser"' in html and "Joanna Nowak &lt;joanna@harbor.example&gt;" in html
    assert "Nothing sent from this case yet." in html

    page = login(client, people.viewer).get(reverse("recovery:case", args=[case.pk]))
    html = page.content.decode()
    assert 'id="messages"' in html and 'id="message-chooser"' not in html


def test_it_drafts_from_the_template_in_the_contacts_language(client, people, case, account):
    contact = account.contacts.get()
    contact.language = "el"
    contact.save()
    url = reverse("comms:case-compose", args=[case.pk])
    query = {"kind": "apology", "contact": contact.pk, "language": ""}

    partial = login(client, people.agent).get(url, query, HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert partial.status_code == 200
    assert html.lstrip().startswith('<div id="composer">')  # the partial only
    assert "Συγγνώμη: 65,000 tax forms printed with the wrong year" in html
    assert 'value="joanna@harbor.example"' in html
    assert 'hx-post="/messages/coach/"' in html  # the coach reads an apology as you type
    assert 'data-check="first_person"' in html

    full = client.get(url, {**query, "kind": "update"})
    html = full.content.decode()
    assert "<html" in html and "Πού βρισκόμαστε" in html
    assert 'hx-post="/messages/coach/"' not in html  # an update is not coached


def test_a_second_click_sends_nothing_and_says_when_it_went(client, people, case, smtp_server):
    login(client, people.agent)
    first = _send(client, case)
    assert first.status_code == 302 and first["Location"].endswith(f"/cases/{case.pk}/#messages")
    page = client.get(first["Location"]).content.decode()
    assert "Sent to joanna@harbor.example: “I am sorry about the forms”." in page
    assert "I am sorry about the forms" in page and "Send again…" in page
    second = _send(client, case)

    assert second.status_code == 200
    html = second.content.decode()
    assert "was already sent to joanna@harbor.example on" in html
    assert "Nothing was sent again." in html
    assert 'name="confirm"' in html
    assert smtp_server.wait_for(1)
    assert len(smtp_server.to("joanna@harbor.example")) == 1
    message = Message.objects.get()
    assert message.key == f"case:{case.pk}:apology:joanna@harbor.example"
    assert message.state == MessageState.SENT and message.sent_by == people.agent
    assert Event.objects.filter(action="message.sent.apology", subject_id=case.pk).count() == 1


def test_a_resend_needs_the_box_ticked_then_goes_again(client, people, case, smtp_server):
    login(client, people.agent)
    _send(client, case)
    assert smtp_server.wait_for(1)

    unconfirmed = _send(client, case, resend="True")
    assert unconfirmed.status_code == 200
    assert "Tick “Yes, send it again”" in unconfirmed.content.decode()
    assert Message.objects.count() == 1

    confirmed = _send(client, case, resend="True", confirm="on")
    assert confirmed.status_code == 302
    assert smtp_server.wait_for(2)
    assert len(smtp_server.to("joanna@harbor.example")) == 2
    again = Message.objects.exclude(resend_of=None).get()
    assert again.resend_of.key == f"case:{case.pk}:apology:joanna@harbor.example"
    assert again.key.endswith(":resend:1")


def test_send_again_from_the_log_asks_first(client, people, case, smtp_server):
    login(client, people.agent)
    _send(client, case)
    message = Message.objects.get()
    page = client.get(reverse("comms:case-resend", args=[case.pk, message.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Send it again?" in html and 'name="resend"' in html and "readonly" in html


def test_an_address_typed_by_hand_and_a_refusal_keep_the_words(client, people, case):
    login(client, people.agent)
    bad = _send(client, case, to_email="not an address", body="My own words")
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "Enter a valid email address." in html and "My own words" in html
    assert not Message.objects.exists()


def test_a_closed_case_sends_nothing(client, people, case):
    from django.utils import timezone

    case.closed_at, case.outcome = timezone.now(), "recovered"
    case.save()
    response = _send(login(client, people.agent), case)
    assert response.status_code == 400
    assert "This case is closed" in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("language", "bad"),
    [
        ("en", "The company regrets any inconvenience caused."),
        ("zh-hans", "本公司对给您带来的不便深表歉意。"),
        ("el", "Η εταιρεία λυπούμαστε για την ταλαιπωρία."),
        ("pl", "Firma przeprasza za wszelkie niedogodności."),
    ],
)
def test_the_coach_partial_gives_advice_in_each_language(client, people, language, bad):
    url = reverse("comms:coach")
    login(client, people.agent)
    response = client.post(url, {"body": bad, "kind": "apology", "language": language})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<li class="unmet" data-check="first_person">' in html
    assert "advice" in html and "<html" not in html


def test_the_coach_partial_is_quiet_for_kinds_it_does_not_read(client, people):
    login(client, people.agent)
    response = client.post(reverse("comms:coach"), {"body": "Anything", "kind": "update"})
    assert response.status_code == 200 and response.content.decode().strip() == ""
    assert client.get(reverse("comms:coach")).status_code == 405


def test_outsiders_see_nothing_and_viewers_send_nothing(client, people, case, smtp_server):
    login(client, people.agent)
    _send(client, case)
    message = Message.objects.get()
    urls = [
        ("get", reverse("comms:case-compose", args=[case.pk])),
        ("get", reverse("comms:case-resend", args=[case.pk, message.pk])),
        ("post", reverse("comms:case-send", args=[case.pk])),
    ]
    for person, status in ((people.outsider, 404), (people.viewer, 403)):
        login(client, person)
        for method, url in urls:
            assert getattr(client, method)(url).status_code == status, (person, url)
        assert _send(client, case, resend="True", confirm="on").status_code == status
    client.logout()
    assert client.get(urls[0][1]).status_code == 302  # to the login page
    assert client.post(reverse("comms:coach"), {"body": "x"}).status_code == 302
    assert Message.objects.count() == 1
