"""Opening recovery cases: one for an account, or one per account at once for an
incident, each with its steps and deadlines; a new failure after a good recovery is a
last chance, escalated to the team's managers."""

import itertools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from amends.accounts.models import Account, Lifecycle
from amends.accounts.selectors import PROTECTED_MESSAGE, protected_pairs
from amends.core.bulk import rows_written_send
from amends.people.models import User
from amends.recovery.models import (
    LAST_CHANCE,
    CaseStep,
    Escalation,
    EscalationLevel,
    Outcome,
    Playbook,
    PlaybookKind,
    RecoveryCase,
)
from amends.recovery.services import accounts_lifecycle_move
from amends.timeline.models import Event
from amends.timeline.services import Actor, Said, event_build, said

RECOVERED = {Outcome.RECOVERED, Outcome.ADVOCATE}


def _previous_outcome(account_ids: Iterable[int]) -> dict[int, str]:
    latest: dict[int, str] = {}
    closed = (
        RecoveryCase.objects.filter(account_id__in=list(account_ids), closed_at__isnull=False)
        .order_by("account_id", "-closed_at")
        .values_list("account_id", "outcome")
    )
    for account_id, outcome in closed:
        latest.setdefault(account_id, outcome)
    return latest


def cases_open(
    *,
    actor: Actor,
    accounts: list[Account],
    playbook: Playbook,
    severity: int,
    incident=None,
    reason: str = "",
    owner: User | None = None,
    now: datetime | None = None,
) -> list[RecoveryCase]:
    """Open one case per account with its steps and deadlines. Bulk, for an
    incident that hurts hundreds of accounts at once; runs in the caller's transaction."""
    now = now or timezone.now()
    steps = list(playbook.steps.order_by("order"))
    if not steps:
        raise ValidationError(
            gettext("The playbook %(name)s has no steps.") % {"name": playbook.name}
        )
    if owner is not None:
        protected = protected_pairs(account_ids=[a.pk for a in accounts])
        if any((a.pk, owner.pk) in protected for a in accounts):
            raise ValidationError({"owner": PROTECTED_MESSAGE.format(name=owner.get_username())})
    previous = _previous_outcome(a.pk for a in accounts)
    cases = [
        RecoveryCase(
            account=account,
            team_id=account.team_id,
            incident=incident,
            playbook=playbook,
            owner=owner or account.owner,
            severity=severity,
            reason=reason[:300],
            opened_at=now,
            # A new failure after a good recovery: customers rarely give a third chance.
            last_chance=previous.get(account.pk) in RECOVERED,
        )
        for account in accounts
    ]
    RecoveryCase.objects.bulk_create(cases)
    rows_written_send(RecoveryCase, [case.pk for case in cases])
    CaseStep.objects.bulk_create(
        CaseStep(
            case=case,
            step=step,
            order=step.order,
            key=step.key,
            title=step.title,
            requires=step.requires,
            due_at=now + timedelta(hours=step.due_hours(severity)),
        )
        for case in cases
        for step in steps
    )
    accounts_lifecycle_move(
        actor,
        [a for a in accounts if a.lifecycle in (Lifecycle.ACTIVE, Lifecycle.AT_RISK)],
        Lifecycle.IN_RECOVERY,
        now,
    )
    Event.objects.bulk_create(
        event_build(
            actor=actor,
            action="case.opened",
            subject=case,
            account_id=case.account_id,
            summary=_opened(playbook.name, case.last_chance, reason),
            after={
                "playbook": playbook.kind,
                "severity": severity,
                "last_chance": case.last_chance,
            },
            at=now,
        )
        for case in cases
    )
    last_chances = [case for case in cases if case.last_chance]
    if last_chances:
        _escalate_last_chance(last_chances, now)
    return cases


def _opened(playbook: str, last_chance: bool, reason: str) -> Said:
    if last_chance:
        if reason:
            return said(
                gettext_noop("%(playbook)s case opened — last chance: %(reason)s"),
                playbook=playbook,
                reason=reason,
            )
        return said(gettext_noop("%(playbook)s case opened — last chance"), playbook=playbook)
    if reason:
        return said(
            gettext_noop("%(playbook)s case opened: %(reason)s"), playbook=playbook, reason=reason
        )
    return said(gettext_noop("%(playbook)s case opened"), playbook=playbook)


@transaction.atomic
def case_open(*, actor: Actor, account: Account, playbook: Playbook, **kwargs: Any) -> RecoveryCase:
    actor.require_write(account.team_id, gettext("You may not open cases for this account."))
    return cases_open(actor=actor, accounts=[account], playbook=playbook, **kwargs)[0]


def _escalate_last_chance(cases: list[RecoveryCase], now: datetime) -> None:
    from amends.recovery.escalation import managers_of

    managers = managers_of({case.account.team_id for case in cases})
    Escalation.objects.bulk_create(
        [
            Escalation(
                case=case,
                level=EscalationLevel.MANAGER,
                recipient=manager,
                reason=LAST_CHANCE,
                raised_at=now,
            )
            for case in cases
            for manager in managers.get(case.account.team_id, [])
        ],
        ignore_conflicts=True,
    )


def cases_open_for_incident(*, actor: Actor, incident, accounts: list[Account], now) -> None:
    """An incident affects these accounts: each gets a mistake case (incidents'
    hook, in the declaring transaction)."""
    cases_open(
        actor=actor,
        accounts=accounts,
        playbook=Playbook.objects.get(kind=PlaybookKind.MISTAKE),
        severity=incident.severity,
        incident=incident,
        reason=incident.title,
        now=now,
    )


def cases_follow_accounts(account_ids: list[int]) -> None:
    """Every case of these accounts takes its account's team again (registered with
    accounts' ``on_accounts_moved``): who may see a case follows the account."""
    for team_id, in_team in itertools.groupby(
        Account.objects.filter(pk__in=account_ids).order_by("team_id").values_list("team_id", "pk"),
        key=lambda row: row[0],
    ):
        ids = [pk for _, pk in in_team]
        RecoveryCase.objects.filter(account_id__in=ids).exclude(team_id=team_id).update(
            team_id=team_id
        )


def cases_team_differing() -> list[int]:
    """The accounts with a case whose team is not the account's (empty when every
    copy is true): what ``amends verify`` checks."""
    return list(
        RecoveryCase.objects.exclude(team_id=F("account__team_id"))
        .order_by("account_id")
        .values_list("account_id", flat=True)
        .distinct()
    )
