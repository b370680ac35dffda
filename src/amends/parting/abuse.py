"""Letting a customer go for abuse: a manager's decision, an exit plan and protected staff."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from amends.accounts.models import Account, Lifecycle
from amends.accounts.services import account_staff_protect, account_update
from amends.incidents.models import Severity
from amends.parting.models import ExitKind, ExitPlan
from amends.parting.services import ExitItemInput, _finish_step, _plan_open, _text
from amends.people.access import user_manages_team
from amends.people.models import User
from amends.recovery.models import (
    CaseStep,
    Commitment,
    CommitmentStatus,
    Playbook,
    PlaybookKind,
    RecoveryCase,
)
from amends.recovery.opening import case_open
from amends.recovery.ownership import case_owner_set, commitment_owner_set
from amends.recovery.services import case_lock, case_log, step_skip
from amends.timeline.services import Actor, said


@transaction.atomic
def account_let_go_for_abuse(
    *,
    actor: Actor,
    account: Account,
    reason: str,
    protected_staff: list[User],
    end_on: date,
    owner: User,
    items: list[ExitItemInput],
    now: datetime | None = None,
) -> ExitPlan:
    """A separate path from a mutual parting: a manager decides, the reason is on
    record, and the staff who were abused are taken off everything that would put
    them in front of this customer again."""
    if actor.user is not None and not user_manages_team(actor.user, account.team_id):
        raise PermissionDenied(
            gettext("Only a manager of the account's team can let a customer go.")
        )
    now = now or timezone.now()
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, "Say why we are letting them go.")
    protected_ids = {person.pk for person in protected_staff}
    if owner is not None and owner.pk in protected_ids:
        errors["owner"] = gettext(
            "Someone who was abused cannot own this exit: choose another person."
        )
    if account.lifecycle == Lifecycle.CHURNED:
        errors["account"] = gettext("This account is no longer a customer.")
    if errors:
        raise ValidationError(errors)
    playbook = Playbook.objects.get(kind=PlaybookKind.PARTING)
    case = (
        RecoveryCase.objects.filter(account=account, playbook=playbook, closed_at__isnull=True)
        .order_by("opened_at")
        .first()
    )
    if case is not None and ExitPlan.objects.filter(case=case).exists():
        raise ValidationError(
            gettext("This account already has an exit plan: see its parting case.")
        )
    if case is None:
        case = case_open(
            actor=actor,
            account=account,
            playbook=playbook,
            severity=Severity.MINOR,
            reason="Let go for abuse",
            owner=owner,
            now=now,
        )
    case = case_lock(case)
    for key in ("conversation", "decision"):
        step = CaseStep.objects.filter(case=case, key=key, done_at__isnull=True).first()
        if step is not None:
            step_skip(
                actor=actor,
                step=step,
                reason="Let go for abuse: no crucial conversation is owed.",
                now=now,
            )
    plan = _plan_open(
        actor=actor,
        case=case,
        kind=ExitKind.ABUSE,
        end_on=end_on,
        owner=owner,
        items=items,
        update_every_days=7,
        now=now,
        abuse_reason=reason,
    )
    account_staff_protect(actor=actor, account=account, users=protected_staff, reason=reason)
    _protect(actor, account, case, owner, protected_ids)
    _finish_step(actor, case, "next_steps", now)
    case_log(
        actor,
        case,
        "parting.let_go_for_abuse",
        said(gettext_noop("Let go for abuse")),
        after={"reason": reason, "protected": len(protected_ids)},
    )
    return plan


def _protect(
    actor: Actor, account: Account, case: RecoveryCase, owner: User, protected: set[int]
) -> None:
    """Hand everything the protected staff held for this customer to the exit's
    owner, through the services that own each (each change on the timeline)."""
    account.refresh_from_db()
    if account.owner_id in protected:
        account_update(actor=actor, account=account, owner=owner)
    held = RecoveryCase.objects.filter(
        account=account, closed_at__isnull=True, owner_id__in=protected
    )
    for held_case in [*held, case]:
        case_owner_set(actor=actor, case=held_case, owner=owner)
    promises = Commitment.objects.filter(
        case__account=account,
        case__closed_at__isnull=True,
        status=CommitmentStatus.OPEN,
        owner_id__in=protected,
    )
    for promise in promises:
        commitment_owner_set(actor=actor, commitment=promise, owner=owner)
