"""Value summaries counted on hand-built data: what falls inside the period and
what does not, per currency; the page that previews and sends it; the API."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from amends.comms.models import Message
from amends.comms.value import value_summary
from amends.complaints.models import Complaint
from amends.recovery.models import CaseRecord, Commitment, RecordKind, RecoveryCase
from amends.signals.models import Signal
from conftest import login

pytestmark = pytest.mark.django_db

START, END = date(2026, 8, 1), date(2026, 10, 31)
INSIDE = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)
BEFORE = datetime(2026, 7, 31, 23, 59, tzinfo=UTC)
LAST_EVENING = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # the end day counts whole
AFTER = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def history(declare, account, south_account, people):
    """A season of work for Harbor Printing, and some noise around it."""
    orders = [
        (account, INSIDE, "100.50", "EUR"),
        (account, INSIDE, "200", "EUR"),
        (account, INSIDE, "50", "USD"),
        (account, INSIDE, "10", ""),  # no currency: the account's own, EUR
        (account, LAST_EVENING, "5", "EUR"),
        (account, BEFORE, "999", "EUR"),
        (account, AFTER, "999", "EUR"),
        (south_account, INSIDE, "999", "EUR"),
    ]
    for number, (whose, at, value, currency) in enumerate(orders):
        Signal.objects.create(
            account=whose,
            kind="order",
            at=at,
            source="shop",
            external_id=f"o{number}",
            value=Decimal(value),
            currency=currency,
        )
    Signal.objects.create(account=account, kind="praise", at=INSIDE, source="s", external_id="p")

    resolutions = [
        (account, INSIDE),
        (account, LAST_EVENING),
        (account, AFTER),
        (account, None),
        (south_account, INSIDE),
    ]
    for number, (whose, resolved) in enumerate(resolutions):
        Complaint.objects.create(
            team=whose.team,
            account=whose,
            channel="staff",
            received_at=BEFORE,
            text=f"Complaint {number}",
            acknowledge_by=BEFORE,
            resolved_at=resolved,
        )

    cases = [declare([account], title=f"Mistake {n}").cases.get() for n in range(4)]
    promises = [
        ("kept", INSIDE),
        ("kept_late", INSIDE),
        ("broken", INSIDE),
        ("kept", BEFORE),
        ("open", None),
    ]
    for status, resolved in promises:
        Commitment.objects.create(
            case=cases[0],
            what=f"Promise {status}",
            measure="m",
            owner=people.agent,
            due_at=INSIDE,
            status=status,
            resolved_at=resolved,
        )
    for at, description in [(INSIDE, "A free layout review"), (AFTER, "Later gift")]:
        CaseRecord.objects.create(
            case=cases[1],
            kind=RecordKind.GESTURE,
            at=at,
            data={"gift_kind": "advice", "description": description},
        )
    for case, outcome, closed in zip(
        cases,
        ["recovered", "advocate", "lost", "recovered"],
        [INSIDE, LAST_EVENING, INSIDE, BEFORE],
        strict=True,
    ):
        RecoveryCase.objects.filter(pk=case.pk).update(outcome=outcome, closed_at=closed)
    return account


def test_it_counts_what_the_account_got_in_the_period(history):
    summary = value_summary(account=history, start=START, end=END)
    assert summary.orders == 5
    totals = {t.currency: (t.count, t.amount) for t in summary.order_totals}
    assert totals == {"EUR": (4, Decimal("315.50")), "USD": (1, Decimal("50"))}
    assert summary.complaints_resolved == 2
    assert (summary.promises_kept, summary.promises_kept_late) == (2, 1)
    assert [g.description for g in summary.gestures] == ["A free layout review"]
    assert summary.cases_recovered == 2  # recovered and advocate; not lost, not before
    assert not summary.is_empty


def test_an_empty_period_says_so(history):
    summary = value_summary(account=history, start=date(2020, 1, 1), end=date(2020, 1, 31))
    assert summary.is_empty and summary.orders == 0 and summary.order_totals == []


def test_the_page_previews_the_message_in_the_contacts_language(client, people, history):
    contact = history.contacts.get()
    contact.language = "pl"
    contact.save()
    url = reverse("comms:value-summary", args=[history.pk])
    query = {"start": "2026-08-01", "end": "2026-10-31", "contact": contact.pk, "language": ""}
    page = login(client, people.viewer).get(url, query)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-value="orders">5' in html and 'data-value="recovered">2' in html
    assert "Co razem zrobiliśmy: 1 sierpnia 2026 – 31 października 2026" in html
    assert "Zrealizowane zamówienia: 5 (łącznie 315,50 EUR, 50,00 USD)" in html
    assert "Dotrzymane obietnice: 2 (w tym z opóźnieniem: 1)" in html
    assert 'name="body"' not in html  # a viewer previews, never sends

    en = client.get(url, {**query, "language": "en"}).content.decode()
    assert "Orders fulfilled: 5 (315.50 EUR, 50.00 USD)" in en
    assert "Something extra from us: A free layout review (15 September 2026)" in en


def test_the_account_page_links_to_it(client, people, account):
    page = login(client, people.agent).get(reverse("accounts:detail", args=[account.pk]))
    assert reverse("comms:value-summary", args=[account.pk]) in page.content.decode()


def _send(client, account, **changes):
    data = {
        "start": "2026-08-01",
        "end": "2026-10-31",
        "language": "en",
        "to_email": "joanna@harbor.example",
        "to_name": "Joanna Nowak",
        "subject": "What we did together",
        "body": "Orders fulfilled: 5.\n\nalex",
        **changes,
    }
    return client.post(reverse("comms:value-summary", args=[account.pk]), data)


def test_it_sends_a_value_summary_once(client, people, history, smtp_server):
    login(client, people.agent)
    first = _send(client, history)
    assert first.status_code == 302
    second = _send(client, history)
    assert second.status_code == 200
    assert "was already sent to joanna@harbor.example on" in second.content.decode()
    assert smtp_server.wait_for(1)
    assert len(smtp_server.to("joanna@harbor.example")) == 1
    message = Message.objects.get()
    assert message.key == f"value:{history.pk}:2026-08-01:2026-10-31:joanna@harbor.example"
    assert message.account == history and message.case is None

    assert _send(client, history, resend="True").status_code == 200  # not ticked: asks again
    assert _send(client, history, resend="True", confirm="on").status_code == 302
    assert smtp_server.wait_for(2)
    page = client.get(reverse("comms:value-summary", args=[history.pk])).content.decode()
    assert page.count("What we did together") >= 2  # the log of value summaries sent


def test_a_bad_period_is_refused(client, people, account):
    login(client, people.agent)
    url = reverse("comms:value-summary", args=[account.pk])
    page = client.get(url, {"start": "2026-10-31", "end": "2026-08-01"})
    assert "The period ends before it starts." in page.content.decode()
    assert _send(client, account, start="2026-10-31", end="2026-08-01").status_code == 400
    assert not Message.objects.exists()


def test_outsiders_see_nothing_and_viewers_send_nothing(client, people, account):
    url = reverse("comms:value-summary", args=[account.pk])
    login(client, people.outsider)
    assert client.get(url).status_code == 404
    assert _send(client, account).status_code == 404
    login(client, people.viewer)
    assert client.get(url).status_code == 200
    assert _send(client, account).status_code == 403
    assert not Message.objects.exists()


def test_the_api_gives_the_numbers_and_the_draft(client, people, history):
    from amends.people.services import token_create

    secret = token_create(user=people.agent, name="t").secret
    response = client.get(
        f"/api/v1/accounts/{history.pk}/value-summary",
        {"start": "2026-08-01", "end": "2026-10-31", "language": "el"},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["orders"] == 5
    assert body["order_totals"] == [
        {"currency": "EUR", "count": 4, "amount": "315.50"},
        {"currency": "USD", "count": 1, "amount": "50.00"},
    ]
    assert (body["complaints_resolved"], body["promises_kept"], body["cases_recovered"]) == (
        2,
        2,
        2,
    )
    assert body["gestures"][0]["description"] == "A free layout review"
    assert body["draft"]["language"] == "el"
    assert "Παραγγελίες που ολοκληρώθηκαν: 5" in body["draft"]["body"]
    bad = client.get(
        f"/api/v1/accounts/{history.pk}/value-summary",
        {"start": "2026-10-31", "end": "2026-08-01"},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "end"
