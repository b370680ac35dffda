"""Complaint signals, however they arrived, become complaints in the inbox."""

from datetime import timedelta

import pytest
from django.utils import timezone

from amends.complaints.intake import complaints_from_signals
from amends.complaints.models import Channel, Complaint
from amends.signals.models import Signal, SignalSource
from amends.timeline.models import Event

pytestmark = pytest.mark.django_db


def _signal(account, n, *, kind="complaint", source="crm", at=None, text="Late again."):
    return Signal(
        account=account,
        kind=kind,
        at=at or timezone.now(),
        source=source,
        external_id=f"{source}-{n}",
        text=text,
    )


def test_it_turns_each_complaint_signal_into_a_complaint(account, settings):
    settings.AMENDS_COMPLAINT_ACK_HOURS = 8
    at = timezone.now() - timedelta(hours=2)
    signals = Signal.objects.bulk_create(
        [
            _signal(account, 1, at=at, text="Nobody called us back."),
            _signal(account, 2, kind="praise", text="Lovely."),
            _signal(account, 3, kind="order"),
        ]
    )

    made = complaints_from_signals(signals)

    assert len(made) == 1
    complaint = Complaint.objects.get()
    assert complaint.signal_id == signals[0].pk
    assert complaint.account_id == account.pk and complaint.team_id == account.team_id
    assert complaint.text == "Nobody called us back."
    assert complaint.channel == Channel.API
    assert complaint.received_at == at
    assert complaint.acknowledge_by == at + timedelta(hours=8)
    event = Event.objects.get(action="complaint.received")
    assert event.account_id == account.pk and "Nobody called us back." in event.summary


def test_it_names_the_way_in_from_the_signal_source(account, people):
    SignalSource.objects.create(slug="helpdesk", name="Helpdesk", secret="s" * 32)
    signals = Signal.objects.bulk_create(
        [
            _signal(account, 1, source="helpdesk"),
            _signal(account, 2, source="import"),
            _signal(account, 3, source="csv:upload.csv"),
            _signal(account, 4, source="zapier"),
        ]
    )
    complaints_from_signals(signals)
    channels = dict(Complaint.objects.values_list("signal__source", "channel"))
    assert channels == {
        "helpdesk": Channel.WEBHOOK,
        "import": Channel.IMPORT,
        "csv:upload.csv": Channel.IMPORT,
        "zapier": Channel.API,
    }


def test_it_finds_signals_inserted_without_their_ids(account):
    Signal.objects.bulk_create([_signal(account, 1), _signal(account, 2)])
    # As bulk_create(ignore_conflicts=True) hands them back: no primary keys.
    unsaved = [_signal(account, 1), _signal(account, 2)]
    complaints_from_signals(unsaved)
    assert Complaint.objects.filter(signal__isnull=False).count() == 2


def test_it_handles_thousands_of_signals_in_a_few_queries(
    account, south_account, django_assert_max_num_queries
):
    signals = Signal.objects.bulk_create(
        [_signal(account if n % 2 else south_account, n) for n in range(5000)],
        batch_size=1000,
    )
    # Per 2,000 rows: one account lookup, one insert of complaints, one of events; and
    # the search index in the same transaction: the rows' words and mail, what the index
    # holds of them, one insert.
    with django_assert_max_num_queries(24):
        complaints_from_signals(signals)
    assert Complaint.objects.count() == 5000
    assert Complaint.objects.filter(team=south_account.team).count() == 2500
    assert Event.objects.filter(action="complaint.received").count() == 5000


def test_it_hears_of_complaints_recorded_through_signal_ingestion(account, people):
    services = pytest.importorskip("amends.signals.services")
    if not hasattr(services, "on_signals_recorded") or not hasattr(services, "signals_record"):
        pytest.skip("signal ingestion has no hooks yet")
    from amends.timeline.services import Actor

    assert services.on_signals_recorded.count(complaints_from_signals) == 1
    at = (timezone.now() - timedelta(hours=1)).isoformat()
    items = [
        {
            "account_id": str(account.pk),
            "kind": "complaint",
            "at": at,
            "external_id": "c-1",
            "text": "Third late delivery this month.",
        },
        {
            "account_id": str(account.pk),
            "kind": "praise",
            "at": at,
            "external_id": "p-1",
            "text": "The new courier is lovely.",
        },
    ]
    actor = Actor(user=people.agent, via="api")
    services.signals_record(actor=actor, items=items, default_source="api")
    # The same delivery again stores nothing new, and makes no second complaint.
    services.signals_record(actor=actor, items=items, default_source="api")

    complaint = Complaint.objects.get()
    assert complaint.text == "Third late delivery this month."
    assert complaint.signal.external_id == "c-1" and complaint.account_id == account.pk
