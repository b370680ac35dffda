"""``amends verify``: what Amends keeps copied for speed (a case's team, an account's
band and segment) is checked against where it comes from, named when it differs, and
rewritten with --repair."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from amends.accounts.models import Account
from amends.health.models import AccountHealth
from amends.recovery.models import RecoveryCase

pytestmark = pytest.mark.django_db


def test_it_names_and_repairs_a_case_team_and_an_account_mark_that_differ(
    people, account, south_account, declare, capsys
):
    declare([account])
    AccountHealth.objects.create(
        account=account, score=30, band="red", segment="unhappy", scored_at=timezone.now()
    )
    Account.objects.filter(pk=account.pk).update(health_band="red", health_segment="unhappy")
    call_command("verify")
    assert "matches" in capsys.readouterr().out

    # Edits behind Amends' back: a case moved to South, a band changed, and a band left
    # on an account that has no score.
    RecoveryCase.objects.filter(account=account).update(team=people.south)
    Account.objects.filter(pk=account.pk).update(health_band="green")
    Account.objects.filter(pk=south_account.pk).update(health_segment="loyal")
    with pytest.raises(CommandError) as refused:
        call_command("verify")
    message = str(refused.value)
    assert f"Cases whose team is not their account's, on accounts: {account.pk}." in message
    ids = ", ".join(str(pk) for pk in sorted([account.pk, south_account.pk]))
    assert f"Accounts whose band or segment is not their latest score's: {ids}." in message
    assert "amends verify --repair" in message

    call_command("verify", "--repair")
    assert RecoveryCase.objects.get(account=account).team_id == people.north.pk
    marks = dict(Account.objects.values_list("pk", "health_band"))
    assert (marks[account.pk], marks[south_account.pk]) == ("red", "")
    assert Account.objects.get(pk=south_account.pk).health_segment == ""
    capsys.readouterr()
    call_command("verify")
    assert "matches" in capsys.readouterr().out
