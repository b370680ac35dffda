"""At-risk rules open thaw cases by themselves, once, for accounts newly at risk."""

from datetime import timedelta

import pytest
from django.utils import timezone

from amends.accounts.models import Account, Lifecycle
from amends.health.models import (
    AccountHealth,
    AtRiskRule,
    HealthSettings,
    HealthSnapshot,
    Trigger,
)
from amends.health.services import health_rescore
from amends.recovery.models import RecoveryCase
from amends.recovery.services import case_close, step_skip
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rescored_before():
    """Amends has rescored before (yesterday): the first rescore only sets a baseline."""
    HealthSettings.objects.update(rescored_at=timezone.now() - timedelta(days=1))


def thaw_cases(account=None):
    cases = RecoveryCase.objects.filter(playbook__kind="thaw")
    return cases.filter(account=account) if account is not None else cases


def only(*triggers):
    AtRiskRule.objects.exclude(trigger__in=triggers).update(active=False)


def turn_red(account, say):
    say(account, "nps", 1, value=2)
    for _ in range(4):
        say(account, "complaint", 1)
    for _ in range(3):
        say(account, "late_payment", 1)


def test_it_opens_a_thaw_case_when_the_health_turns_red(account, say):
    only(Trigger.TURNED_RED)
    say(account, "nps", 2, value=10)
    health_rescore()
    assert AccountHealth.objects.get(account=account).band == "green"
    assert not thaw_cases().exists()

    turn_red(account, say)
    result = health_rescore()

    case = thaw_cases(account).get()
    score = AccountHealth.objects.get(account=account).score
    assert case.reason == f"Health turned red ({score})"
    assert case.owner == account.owner
    assert case.steps.count() == 5
    assert result.cases_opened == 1
    assert Account.objects.get(pk=account.pk).lifecycle == Lifecycle.IN_RECOVERY


def test_it_does_not_open_another_while_the_account_stays_red(account, say, people):
    only(Trigger.TURNED_RED)
    turn_red(account, say)
    health_rescore()
    health_rescore()
    assert thaw_cases(account).count() == 1

    # Closed, and still red: not *newly* red, so no new case.
    actor = Actor(user=people.agent, via="web")
    case = thaw_cases(account).get()
    for step in case.steps.all():
        step_skip(actor=actor, step=step, reason="The customer would not talk")
    case_close(actor=actor, case=case, outcome="lost")
    health_rescore()
    assert thaw_cases(account).count() == 1


def test_it_opens_one_case_for_a_detractor_answer_received_since_the_last_rescore(account, say):
    only(Trigger.DETRACTOR)
    say(account, "nps", 40, value=3)  # answered and known before the first rescore
    say(account, "meeting", 1)
    health_rescore()
    assert not thaw_cases().exists()

    say(account, "nps", 0.1, value=5, received_days_ago=0)
    health_rescore()
    assert thaw_cases(account).get().reason == "Detractor: NPS 5"

    health_rescore()
    assert thaw_cases(account).count() == 1


def test_it_counts_a_detractor_answer_that_arrived_late_by_when_it_arrived(account, say):
    only(Trigger.DETRACTOR)
    say(account, "meeting", 1)
    health_rescore()
    # Answered three days ago, delivered by a webhook only now.
    say(account, "nps", 3, value=6, received_days_ago=0)
    health_rescore()
    assert thaw_cases(account).get().reason == "Detractor: NPS 6"


def test_it_opens_a_case_when_cooling_is_newly_seen(account, say):
    only(Trigger.COOLING)
    say(account, "nps", 1, value=10)
    health_rescore()
    assert not thaw_cases().exists()

    # The same account, 30 days ago, was far healthier than now.
    HealthSnapshot.objects.filter(account=account).update(
        day=timezone.localdate() - timedelta(days=30), score=100
    )
    for _ in range(2):
        say(account, "complaint", 0.5)
    health_rescore()
    case = thaw_cases(account).get()
    assert case.reason.startswith("Cooling: score fell ")
    assert "points in 30 days" in case.reason


def test_it_opens_a_case_for_a_high_value_account_gone_silent_only(account, make_account, say):
    only(Trigger.SILENT_HIGH_VALUE)
    small = make_account("Small Shop", annual_value="49999")
    for each in (account, small):
        say(each, "meeting", 46)
    health_rescore()

    assert thaw_cases(account).get().reason == "High-value account silent for 46 days"
    assert not thaw_cases(small).exists()


def test_it_names_every_reason_on_one_case_when_several_rules_meet(account, say):
    say(account, "meeting", 50)
    say(account, "nps", 50, value=1, received_days_ago=0)
    for _ in range(4):
        say(account, "complaint", 50)
    health_rescore()
    case = thaw_cases(account).get()
    assert case.reason.startswith("Health turned red (")
    assert "Detractor: NPS 1" in case.reason
    assert "Cooling: no touch for 50 days" in case.reason
    assert "High-value account silent for 50 days" in case.reason


def test_it_leaves_churned_and_parting_accounts_alone(make_account, say):
    churned = make_account("Gone Ltd", lifecycle=Lifecycle.CHURNED)
    parting = make_account("Leaving Ltd", lifecycle=Lifecycle.PARTING)
    for each in (churned, parting):
        turn_red(each, say)
    result = health_rescore()
    assert AccountHealth.objects.filter(band="red").count() == 2
    assert result.cases_opened == 0
    assert not thaw_cases().exists()


def test_it_opens_nothing_for_an_inactive_rule(account, say):
    AtRiskRule.objects.update(active=False)
    turn_red(account, say)
    health_rescore()
    assert not thaw_cases().exists()


def test_it_takes_the_very_first_rescore_as_a_baseline_and_opens_nothing(account, say):
    HealthSettings.objects.update(rescored_at=None)
    turn_red(account, say)
    assert health_rescore().cases_opened == 0
    assert not thaw_cases().exists()

    # From then on the account is compared with it: still red, so not newly red.
    health_rescore()
    assert not thaw_cases().exists()


def test_it_opens_a_thaw_case_by_itself_when_a_demo_account_turns_red_and_only_once():
    HealthSettings.objects.update(rescored_at=None)
    from amends.shell.demo import demo_load
    from amends.signals.models import Signal

    demo_load(accounts=40)
    health_rescore()
    assert not thaw_cases().exists()  # the demo has no signals: nothing scored, nothing opened

    account = Account.objects.filter(lifecycle=Lifecycle.ACTIVE).order_by("pk").first()
    now = timezone.now()
    Signal.objects.bulk_create(
        Signal(
            account=account,
            kind=kind,
            at=now - timedelta(hours=n + 1),
            source="test",
            external_id=f"red-{n}",
            value=value,
        )
        for n, (kind, value) in enumerate(
            [
                ("nps", 1),
                ("complaint", None),
                ("complaint", None),
                ("complaint", None),
                ("complaint", None),
                ("late_payment", None),
                ("late_payment", None),
                ("late_payment", None),
                ("csat", 1),
            ]
        )
    )

    health_rescore()
    health_rescore()

    assert AccountHealth.objects.get(account=account).band == "red"
    case = thaw_cases().get()
    assert case.account == account
    assert case.reason.startswith("Health turned red (")
    assert case.closed_at is None
