import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from amends.signals.models import Signal, SignalSource
from amends.timeline.models import Event

pytestmark = pytest.mark.django_db


def test_it_creates_a_source_and_shows_its_secret_once(people, capsys):
    call_command("signals", "source", "create", "helpdesk", "--name", "Helpdesk", "--team", "north")
    out, err = capsys.readouterr()
    source = SignalSource.objects.get()
    assert out.strip() == source.secret and len(source.secret) >= 40
    assert "POST /hooks/signals/helpdesk/" in err
    assert (source.name, source.team, source.active) == ("Helpdesk", people.north, True)
    event = Event.objects.get(action="signal_source.created")
    assert source.secret not in str(event.after) + event.summary

    call_command("signals", "source", "list")
    listing = capsys.readouterr().out
    assert "helpdesk\tHelpdesk\tnorth\tactive" in listing
    assert source.secret not in listing


def test_it_says_what_is_wrong_with_a_new_source(people):
    with pytest.raises(CommandError, match="no team 'atlantis'"):
        call_command("signals", "source", "create", "helpdesk", "--team", "atlantis")
    with pytest.raises(CommandError, match="slug"):
        call_command("signals", "source", "create", "not a slug")
    call_command("signals", "source", "create", "helpdesk")
    with pytest.raises(CommandError, match="already a signal source 'helpdesk'"):
        call_command("signals", "source", "create", "helpdesk")
    with pytest.raises(CommandError, match="no signal source 'nosuch'"):
        call_command("signals", "source", "rotate", "nosuch")


def test_it_stops_and_starts_a_source(people):
    call_command("signals", "source", "create", "helpdesk")
    call_command("signals", "source", "stop", "helpdesk")
    assert not SignalSource.objects.get().active
    call_command("signals", "source", "start", "helpdesk")
    assert SignalSource.objects.get().active
    actions = list(Event.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["signal_source.deactivated", "signal_source.activated"]


def test_it_keeps_the_secret_out_of_the_admin_but_shows_a_new_one_once(client, people):
    client.force_login(people.admin)
    added = client.post(
        "/admin/signals/signalsource/add/",
        {"slug": "crm", "name": "CRM", "team": people.north.pk, "active": "on"},
        follow=True,
    )
    source = SignalSource.objects.get()
    assert f"The secret of crm, shown only now: {source.secret}" in added.content.decode()
    listing = client.get("/admin/signals/signalsource/").content.decode()
    change = client.get(f"/admin/signals/signalsource/{source.pk}/change/").content.decode()
    assert "crm" in listing
    assert source.secret not in listing and source.secret not in change

    moved = client.post(
        f"/admin/signals/signalsource/{source.pk}/change/",
        {"name": "CRM", "team": people.south.pk, "active": "on"},
    )
    assert moved.status_code == 302
    source.refresh_from_db()
    assert source.team == people.south
    event = Event.objects.get(action="signal_source.updated")
    assert (event.before, event.after) == ({"team": "North"}, {"team": "South"})

    old = source.secret
    rotated = client.post(
        "/admin/signals/signalsource/",
        {"action": "rotate_secret", "_selected_action": [source.pk]},
        follow=True,
    )
    source.refresh_from_db()
    assert source.secret != old
    assert source.secret in rotated.content.decode()


def test_it_shows_signals_in_the_admin_read_only(client, people, harbor):
    from django.utils import timezone

    signal = Signal.objects.create(
        account=harbor, kind="praise", at=timezone.now(), source="web", external_id="p-1"
    )
    client.force_login(people.admin)
    assert "p-1" in client.get("/admin/signals/signal/").content.decode()
    assert client.get("/admin/signals/signal/add/").status_code == 403
    change = client.post(f"/admin/signals/signal/{signal.pk}/change/", {"kind": "complaint"})
    assert change.status_code == 403
    signal.refresh_from_db()
    assert signal.kind == "praise"
