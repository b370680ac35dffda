"""The full rescore: measures from signals and promises, in bulk, written with upserts."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from amends.health.models import AccountHealth, HealthSettings, HealthSnapshot
from amends.health.scoring import FALLING, SILENT
from amends.health.services import health_rescore, health_rescore_daily

pytestmark = pytest.mark.django_db


def health_of(account) -> AccountHealth:
    return AccountHealth.objects.get(account=account)


def measures_of(account) -> dict:
    return {key: f["measure"] for key, f in health_of(account).factors.items()}


def test_it_measures_every_factor_from_signals_and_promises(account, say, people):
    say(account, "nps", 200, value=4)
    say(account, "nps", 20, value=9)  # the latest answer counts
    say(account, "nps", 400, value=0)  # outside the year: ignored
    say(account, "csat", 10, value=3)
    say(account, "csat", 30, value=5)
    say(account, "complaint", 5)
    say(account, "complaint", 100)  # outside 90 days
    say(account, "usage", 10, value=80, metric="logins")  # last 30 days: 80
    say(account, "usage", 45, value=100, metric="logins")  # the 30 before: 100 -> -20 %
    say(account, "usage", 10, value=30, metric="reports")
    say(account, "usage", 40, value=20, metric="reports")  # +50 % -> average +15 %
    say(account, "late_payment", 1)  # not a touch
    say(account, "late_payment", 60)
    say(account, "meeting", 12)
    _promise(account, people, due_in_days=-2)  # open and late
    _promise(account, people, due_in_days=5)  # open, not due yet

    health_rescore(rules=False)

    assert measures_of(account) == {
        "nps": 9.0,
        "csat": 4.0,
        "complaints": 1,
        "usage_trend": 15.0,
        "days_since_touch": 5,
        "late_payments": 2,
        "late_commitments": 1,
    }
    health = health_of(account)
    assert health.nps_category == "promoter"
    assert health.last_touch_at is not None
    points = {key: f["points"] for key, f in health.factors.items()}
    assert points == {
        "nps": 100,
        "csat": 75,
        "complaints": 70,
        "usage_trend": 100,
        "days_since_touch": 100,
        "late_payments": 30,
        "late_commitments": 40,
    }
    # (100x25 + 75x15 + 70x20 + 100x15 + 100x10 + 30x10 + 40x15) / 110 = 76.6 -> 77
    assert health.score == 77
    assert health.band == "green"


def _promise(account, people, *, due_in_days):
    from amends.recovery.models import Playbook
    from amends.recovery.opening import case_open
    from amends.recovery.services import commitment_add
    from amends.timeline.services import Actor

    actor = Actor(user=people.agent, via="web")
    case = account.cases.filter(closed_at__isnull=True).first() or case_open(
        actor=actor, account=account, playbook=Playbook.objects.get(kind="mistake"), severity=3
    )
    return commitment_add(
        actor=actor,
        case=case,
        what="Reprint",
        measure="Delivered",
        owner=people.agent,
        due_at=timezone.now() + timedelta(days=due_in_days, hours=1),
        # Promised before its date, even one that is late by now.
        now=timezone.now() + timedelta(days=min(due_in_days, 0) - 1),
    )


def test_it_reads_all_accounts_with_the_same_few_queries_however_many(make_account, say):
    def queries_for(count: int) -> int:
        for n in range(count):
            made = make_account(f"Client {count}-{n}")
            say(made, "nps", 3, value=7 + n % 4)
            say(made, "complaint", 2)
            say(made, "usage", 5, value=10, metric="m")
            say(made, "usage", 25, value=10, metric="m")
        with CaptureQueriesContext(connection) as captured:
            health_rescore(rules=False)
        return len(captured)

    assert queries_for(2) == queries_for(30)
    assert queries_for(1) < 30


def test_it_gives_no_score_without_data_and_drops_a_score_whose_data_aged_out(account, say):
    health_rescore(rules=False)
    assert not AccountHealth.objects.exists()

    old = say(account, "csat", 100, value=2)
    health_rescore(rules=False)
    assert health_of(account).factors["csat"]["measure"] == 2.0

    old.at = timezone.now() - timedelta(days=400)
    old.save()
    say(account, "late_payment", 500)  # nothing in any window, no touch ever
    health_rescore(rules=False)
    assert measures_of(account)["days_since_touch"] == 400
    old.delete()
    health_rescore(rules=False)
    assert not AccountHealth.objects.filter(account=account).exists()
    assert not HealthSnapshot.objects.filter(account=account, day=timezone.localdate()).exists()


def test_the_account_row_keeps_the_latest_band_and_segment_for_the_list(
    client, people, account, say
):
    old = say(account, "csat", 100, value=2)
    health_rescore(rules=False)
    account.refresh_from_db()
    health = health_of(account)
    assert (account.health_band, account.health_segment) == (health.band, health.segment)
    client.force_login(people.viewer)
    listed = client.get("/accounts/", {"band": health.band}).content.decode()
    assert account.name in listed
    other = next(band for band in ("red", "yellow", "green") if band != health.band)
    assert account.name not in client.get("/accounts/", {"band": other}).content.decode()
    old.delete()  # no data left: no score, and no band on the row either
    health_rescore(rules=False)
    account.refresh_from_db()
    assert (account.health_band, account.health_segment) == ("", "")
    assert account.name not in client.get("/accounts/", {"band": health.band}).content.decode()


def test_it_counts_no_complaints_as_data_only_for_accounts_heard_from(account, make_account, say):
    quiet = make_account("Quiet Ltd")
    say(account, "meeting", 3)
    say(quiet, "meeting", 200)
    health_rescore(rules=False)
    assert measures_of(account)["complaints"] == 0
    assert measures_of(account)["late_payments"] == 0
    assert measures_of(quiet)["complaints"] is None
    assert measures_of(quiet)["late_payments"] is None


def test_it_upserts_one_score_and_one_snapshot_a_day_however_often_it_runs(account, say):
    say(account, "nps", 1, value=10)
    health_rescore(rules=False)
    say(account, "complaint", 0.5)
    say(account, "complaint", 0.5)
    health_rescore(rules=False)

    assert AccountHealth.objects.count() == 1
    snapshots = list(HealthSnapshot.objects.filter(account=account))
    assert len(snapshots) == 1
    assert snapshots[0].score == health_of(account).score
    assert health_of(account).factors["complaints"]["measure"] == 2


def test_it_keeps_the_segment_in_the_daily_snapshot(account, make_account, say):
    unhappy = make_account("Unhappy Freight")
    say(account, "nps", 1, value=8)  # passive: satisfied but at risk
    say(unhappy, "nps", 1, value=2)
    health_rescore(rules=False)

    snapshots = HealthSnapshot.objects.filter(day=timezone.localdate())
    assert dict(snapshots.values_list("account__name", "segment")) == {
        "Harbor Printing Ltd": "at_risk",
        "Unhappy Freight": "unhappy",
    }


def test_it_points_the_trend_at_the_snapshot_a_week_or_more_ago(account, say):
    say(account, "nps", 1, value=10)
    today = timezone.localdate()
    HealthSnapshot.objects.create(
        account=account, day=today - timedelta(days=3), score=10, band="red"
    )
    health_rescore(rules=False)
    assert health_of(account).trend == ""  # nothing a week old yet

    HealthSnapshot.objects.create(
        account=account, day=today - timedelta(days=8), score=60, band="yellow"
    )
    health_rescore(rules=False)
    health = health_of(account)
    assert (health.score, health.previous_score, health.trend) == (100, 60, "up")
    assert health.get_trend_display() == "↑"


def test_it_sees_cooling_in_a_falling_score(account, say):
    say(account, "nps", 1, value=7)
    say(account, "complaint", 1)
    today = timezone.localdate()
    HealthSnapshot.objects.create(
        account=account, day=today - timedelta(days=30), score=90, band="green"
    )
    HealthSnapshot.objects.create(
        account=account, day=today - timedelta(days=40), score=60, band="yellow"
    )
    health_rescore(rules=False)
    # (60x25 + 70x20 + 100x10 + 100x10) / 65 = 75: 15 points below the score of 30 days ago.
    assert health_of(account).score == 75
    assert health_of(account).cooling == [{"kind": FALLING, "points": 15, "days": 30}]

    HealthSettings.objects.update(fall_points=16)
    health_rescore(rules=False)
    assert health_of(account).cooling == []


def test_it_sees_cooling_in_silence_but_not_in_late_payments(account, say):
    say(account, "meeting", 50)
    say(account, "late_payment", 1)
    health_rescore(rules=False)
    health = health_of(account)
    assert health.cooling == [{"kind": SILENT, "days": 50}]
    assert health.factors["days_since_touch"]["measure"] == 50

    say(account, "ticket_opened", 2)
    health_rescore(rules=False)
    assert health_of(account).cooling == []


def test_it_prints_counts_and_seconds_from_the_rescore_command(account, say, capsys):
    say(account, "nps", 1, value=3)
    for _ in range(4):
        say(account, "complaint", 1)
    call_command("rescore", "--no-rules")
    out = capsys.readouterr().out
    assert "1 account(s) scored (0 green, 0 yellow, 1 red)" in out
    assert "0 thaw case(s) opened" in out
    assert "Time: measures" in out and " s." in out


def test_it_rescores_once_a_day_in_whichever_worker_comes_first(account, say):
    say(account, "nps", 1, value=10)
    # Today at noon: five minutes later is still today whenever the suite runs (at
    # 23:58 "now" and "now + 5 minutes" were two days, and the second rescore ran).
    now = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    first = health_rescore_daily(now=now)
    assert first is not None and first.scored == 1
    assert health_rescore_daily(now=now + timedelta(minutes=5)) is None

    tomorrow = now + timedelta(days=1)
    assert health_rescore_daily(now=tomorrow) is not None
    assert HealthSnapshot.objects.filter(account=account).count() == 2


def test_it_takes_over_a_daily_rescore_claimed_by_a_worker_that_died(account, say):
    say(account, "nps", 1, value=10)
    now = timezone.now()
    HealthSettings.objects.update(rescore_started_at=now - timedelta(minutes=10))
    assert health_rescore_daily(now=now) is None
    HealthSettings.objects.update(rescore_started_at=now - timedelta(minutes=61))
    assert health_rescore_daily(now=now) is not None
    assert HealthSettings.current().rescore_started_at is None


# The worker closes stale connections between rounds: a test outside a wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_it_rescores_in_the_workers_first_round(health_defaults, account, say, capsys):
    say(account, "nps", 1, value=10)
    call_command("worker", "--once", "--interval", "0.1")
    assert "Daily health rescore: 1 account(s) scored" in capsys.readouterr().out
    assert AccountHealth.objects.filter(account=account).exists()
