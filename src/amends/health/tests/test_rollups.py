"""The daily sums of health the insights' history reads: written by the rescore with
its snapshots, checked and rebuilt by ``amends verify``."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from amends.accounts.models import Account
from amends.health.models import HealthDay, HealthSnapshot
from amends.health.services import health_rescore

pytestmark = pytest.mark.django_db


def sums_of(day) -> dict:
    return {
        (row.team_id, row.segment, row.band, row.currency, row.closed): (
            row.accounts,
            row.annual_value,
        )
        for row in HealthDay.objects.filter(day=day)
    }


def test_the_rescore_sums_todays_snapshots_per_team_segment_band_and_currency(
    make_account, say, people
):
    accounts = [
        make_account("Unhappy A", annual_value=1000, currency="EUR"),
        make_account("Unhappy B", annual_value=250, currency="EUR"),
        make_account("Gone", annual_value=400, currency="EUR", lifecycle="churned"),
        Account.objects.create(name="South", annual_value=90, currency="PLN", team=people.south),
    ]
    for account in accounts:
        say(account, "nps", 3, value=0)
        say(account, "complaint", 2)
    health_rescore(rules=False)

    today = timezone.localdate()
    snapshots = HealthSnapshot.objects.filter(day=today)
    assert snapshots.count() == 4
    band, segment = snapshots.values_list("band", "segment").first()
    assert sums_of(today) == {
        (people.north.pk, segment, band, "EUR", False): (2, Decimal("1250.00")),
        (people.north.pk, segment, band, "EUR", True): (1, Decimal("400.00")),
        (people.south.pk, segment, band, "PLN", False): (1, Decimal("90.00")),
    }
    # A second rescore the same day replaces the day's sums, not adds to them.
    health_rescore(rules=False)
    assert sum(n for n, _ in sums_of(today).values()) == 4


def test_the_command_finds_days_that_do_not_match_and_rebuilds_them(make_account, say, capsys):
    account = make_account("Someone", annual_value=700, currency="EUR")
    say(account, "csat", 3, value=2)
    health_rescore(rules=False)
    call_command("verify")
    assert "matches" in capsys.readouterr().out

    # A day kept before the sums existed, and a day whose sums were edited by hand.
    yesterday = timezone.localdate() - timedelta(days=1)
    HealthSnapshot.objects.create(account=account, day=yesterday, score=40, band="red")
    HealthDay.objects.filter(day=timezone.localdate()).update(accounts=9)
    with pytest.raises(CommandError) as refused:
        call_command("verify")
    days = f"{yesterday.isoformat()}, {timezone.localdate().isoformat()}"
    assert f"Days whose health sums do not match their snapshots: {days}." in str(refused.value)

    call_command("verify", "--repair")
    assert "Repaired" in capsys.readouterr().out
    call_command("verify")
    assert "matches" in capsys.readouterr().out
    assert sums_of(yesterday) == {
        (account.team_id, "", "red", "EUR", False): (1, Decimal("700.00")),
    }
    assert sum(n for n, _ in sums_of(timezone.localdate()).values()) == 1


def test_an_account_that_changes_after_its_day_was_summed_is_not_a_difference(
    make_account, say, capsys
):
    account = make_account("Someone", annual_value=700, currency="EUR")
    say(account, "csat", 3, value=2)
    health_rescore(rules=False)
    # The day keeps what the account was; the account moves on.
    Account.objects.filter(pk=account.pk).update(
        lifecycle="churned", currency="USD", annual_value=9000
    )
    call_command("verify")
    assert "matches" in capsys.readouterr().out
    (row,) = HealthDay.objects.filter(day=timezone.localdate())
    assert (row.currency, row.closed, row.annual_value) == ("EUR", False, Decimal("700.00"))
