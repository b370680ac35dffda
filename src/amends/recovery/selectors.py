from datetime import datetime

from django.db.models import QuerySet
from django.http import Http404

from amends.accounts.selectors import account_visible_to
from amends.people.models import User
from amends.recovery.models import CaseStep, RecoveryCase, StepState


def step_state(step: CaseStep, *, now: datetime) -> str:
    if step.done_at is not None:
        return StepState.SKIPPED if step.skipped_reason else StepState.DONE
    # A paused clock stops at the moment it was paused.
    clock = step.case.paused_at or now
    if clock > step.due_at:
        return StepState.LATE
    if (step.due_at - clock).total_seconds() <= 24 * 3600:
        return StepState.DUE
    return StepState.UPCOMING


def case_visible_to(user: User) -> QuerySet[RecoveryCase]:
    return RecoveryCase.objects.filter(account__in=account_visible_to(user))


def case_get_for(*, user: User, case_id: int) -> RecoveryCase:
    case = (
        case_visible_to(user)
        .select_related("account", "account__team", "playbook", "owner", "incident")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise Http404("No such case.")
    return case
