"""Recording and removing referrals: the former-client flag, the rules, the
signal the health rules read, and the timeline of both accounts."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from amends.health.models import AccountHealth, Segment
from amends.health.services import health_rescore
from amends.incidents.models import Severity
from amends.recovery.models import Outcome, Playbook, PlaybookKind, RecoveryCase
from amends.referrals.models import Referral
from amends.referrals.services import referral_delete
from amends.signals.models import Signal
from amends.timeline.models import Event
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db


def _closed_case(account, outcome, days_ago):
    """A case that ended ``days_ago`` days back (the steps are not the point here)."""
    closed = timezone.now() - timedelta(days=days_ago)
    return RecoveryCase.objects.create(
        account=account,
        playbook=Playbook.objects.get(kind=PlaybookKind.PARTING),
        severity=Severity.MODERATE,
        opened_at=closed - timedelta(days=30),
        closed_at=closed,
        outcome=outcome,
    )


def test_it_marks_a_referral_from_a_churned_account_as_from_a_former_client(
    refer, churned, account
):
    referral = refer(churned, account)

    assert referral.from_former_client is True
    assert referral.team_id == churned.team_id
    assert referral.referred_name == "Harbor Printing Ltd"  # the account's name by default


def test_it_does_not_mark_a_referral_from_a_current_client(refer, account, make_account):
    referral = refer(account, referred_name="Lakeside Dental Group")

    assert referral.from_former_client is False
    assert referral.referred_account is None


def test_it_counts_an_account_whose_latest_closed_case_parted_as_a_former_client(
    refer, account, make_account
):
    _closed_case(account, Outcome.RECOVERED, days_ago=90)
    _closed_case(account, Outcome.PARTED, days_ago=10)

    assert account.lifecycle == "active"
    assert refer(account, referred_name="Kestrel Studio").from_former_client is True


def test_it_does_not_count_an_account_recovered_after_an_earlier_parting(refer, account):
    _closed_case(account, Outcome.PARTED, days_ago=300)
    _closed_case(account, Outcome.RECOVERED, days_ago=10)

    assert refer(account, referred_name="Kestrel Studio").from_former_client is False


def test_it_keeps_the_flag_as_it_was_when_the_referral_was_recorded(refer, churned, account):
    referral = refer(churned, account)
    churned.lifecycle = "won_back"
    churned.save(update_fields=["lifecycle"])

    referral.refresh_from_db()
    assert referral.from_former_client is True
    assert refer(churned, referred_name="Someone Else").from_former_client is False


def test_it_refuses_a_referred_account_of_another_team_and_names_the_field(
    refer, account, south_account, people
):
    with pytest.raises(ValidationError) as refused:
        refer(account, south_account, actor=Actor(user=people.admin, via="web"))

    assert "referred_account" in refused.value.message_dict
    assert "same team" in refused.value.message_dict["referred_account"][0]
    assert not Referral.objects.exists()


def test_it_refuses_an_account_referring_itself(refer, account):
    with pytest.raises(ValidationError) as refused:
        refer(account, account)

    assert refused.value.message_dict == {"referred_account": ["An account cannot refer itself."]}


def test_the_database_refuses_a_self_referral_too(account):
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.create(
            team=account.team,
            referrer=account,
            referred_account=account,
            referred_name="x",
            referred_on=timezone.localdate(),
        )


def test_it_refuses_the_same_referral_twice(refer, churned, account):
    refer(churned, account)
    refer(churned, referred_name="Lakeside Dental Group")

    with pytest.raises(ValidationError) as twice:
        refer(churned, account)
    assert (
        "has already referred Harbor Printing Ltd"
        in twice.value.message_dict["referred_account"][0]
    )
    with pytest.raises(ValidationError) as by_name:
        refer(churned, referred_name="  lakeside dental group ")
    assert "referred_name" in by_name.value.message_dict
    assert Referral.objects.count() == 2
    assert Signal.objects.filter(kind="referral").count() == 2


def test_it_says_what_is_wrong_with_each_value(refer, account):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        refer(account, referred_contact_email="not an email", referred_on=tomorrow)

    assert set(refused.value.message_dict) == {
        "referred_name",
        "referred_contact_email",
        "referred_on",
    }


def test_it_lets_a_viewer_record_nothing(refer, account, churned, people):
    with pytest.raises(PermissionDenied):
        refer(churned, account, actor=Actor(user=people.viewer, via="web"))


def test_it_writes_a_referral_signal_and_both_timelines(refer, churned, account):
    referral = refer(churned, account, referred_on=timezone.localdate() - timedelta(days=3))

    signal = Signal.objects.get(source="amends", external_id=f"referral-{referral.pk}")
    assert (signal.account_id, signal.kind) == (churned.pk, "referral")
    assert signal.at.date() == referral.referred_on
    given = Event.objects.get(account=churned, action="referral.recorded")
    assert given.summary == "Referred Harbor Printing Ltd (as a former client)"
    received = Event.objects.get(account=account, action="referral.received")
    assert received.summary == "Referred by Bluebird Foods, a former client"
    assert received.actor_name == "alex"


def test_it_removes_the_referral_with_its_signal_once(refer, churned, account, people):
    referral = refer(churned, account)
    actor = Actor(user=people.manager, via="web")

    referral_delete(actor=actor, referral=referral)
    referral_delete(actor=actor, referral=referral)  # already gone: nothing more happens

    assert not Referral.objects.exists()
    assert not Signal.objects.filter(kind="referral").exists()
    assert Event.objects.filter(action="referral.deleted").count() == 2  # one per account
    assert Event.objects.get(account=churned, action="referral.deleted").actor_name == "mia"


def test_a_viewer_cannot_remove_a_referral(refer, churned, account, people):
    referral = refer(churned, account)

    with pytest.raises(PermissionDenied):
        referral_delete(actor=Actor(user=people.viewer, via="web"), referral=referral)
    assert Referral.objects.exists()


def test_the_health_rules_call_a_promoter_who_referred_someone_loyal(refer, account):
    long_ago = timezone.now() - timedelta(days=200)
    Signal.objects.create(
        account=account, kind="nps", value=9, at=long_ago, source="test", external_id="nps-1"
    )

    def segment():
        health_rescore(rules=False)
        return AccountHealth.objects.get(account=account).segment

    # A promoter silent for 200 days is not loyal...
    assert segment() == Segment.AT_RISK
    # ...unless they have referred someone.
    referral = refer(account, referred_name="Kestrel Studio", referred_on=long_ago.date())
    assert segment() == Segment.LOYAL
    referral_delete(actor=Actor.system(), referral=referral)
    assert segment() == Segment.AT_RISK
