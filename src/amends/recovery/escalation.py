"""The periodic deadline check. A late step or promise escalates to its owner at
once, to the team's managers after AMENDS_ESCALATE_MANAGER_AFTER hours, then to
the admins after AMENDS_ESCALATE_ADMIN_AFTER hours.

Safe to run twice or in two workers at once: unique constraints on Escalation
make a second insert of the same escalation a no-op."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from amends.people.access import admin_q
from amends.people.models import Membership, Role, User
from amends.recovery.models import (
    LATE_COMMITMENT,
    LATE_STEP,
    CaseStep,
    Commitment,
    CommitmentStatus,
    Escalation,
    EscalationLevel,
)


def managers_of(team_ids: set[int]) -> dict[int, list[User]]:
    found: dict[int, list[User]] = defaultdict(list)
    for membership in Membership.objects.filter(
        team_id__in=team_ids, role=Role.MANAGER, user__is_active=True
    ).select_related("user"):
        found[membership.team_id].append(membership.user)
    return found


def admins() -> list[User]:
    return list(User.objects.filter(admin_q()).distinct())


def _levels(late_by: timedelta) -> list[str]:
    levels = [EscalationLevel.OWNER]
    if late_by >= timedelta(hours=settings.AMENDS_ESCALATE_MANAGER_AFTER_HOURS):
        levels.append(EscalationLevel.MANAGER)
    if late_by >= timedelta(hours=settings.AMENDS_ESCALATE_ADMIN_AFTER_HOURS):
        levels.append(EscalationLevel.ADMIN)
    return levels


def deadlines_check(*, now: datetime | None = None) -> int:
    """Raise every escalation now due; returns how many were new."""
    now = now or timezone.now()
    open_cases = Q(case__closed_at__isnull=True, case__paused_at__isnull=True)
    late_steps = list(
        CaseStep.objects.filter(open_cases, done_at__isnull=True, due_at__lt=now).select_related(
            "case__account", "case__owner"
        )
    )
    late_promises = list(
        Commitment.objects.filter(
            open_cases, status=CommitmentStatus.OPEN, due_at__lt=now
        ).select_related("case__account", "owner")
    )
    teams = {item.case.account.team_id for item in [*late_steps, *late_promises]}
    managers = managers_of(teams)
    admin_list = admins() if teams else []
    wanted: list[Escalation] = []

    def add(item, owner, reason, **subject):
        for level in _levels(now - item.due_at):
            if level == EscalationLevel.OWNER:
                recipients = [owner] if owner else []
            elif level == EscalationLevel.MANAGER:
                recipients = managers.get(item.case.account.team_id, [])
            else:
                recipients = admin_list
            wanted.extend(
                Escalation(
                    case=item.case,
                    level=level,
                    recipient=person,
                    reason=reason,
                    raised_at=now,
                    **subject,
                )
                for person in recipients
            )

    for step in late_steps:
        add(step, step.case.owner, LATE_STEP % {"title": step.title}, step=step)
    for promise in late_promises:
        add(promise, promise.owner, LATE_COMMITMENT % {"what": promise.what}, commitment=promise)
    if not wanted:
        return 0
    # Count only the cases in play, not the whole (ever-growing) table.
    involved = Escalation.objects.filter(case_id__in={e.case_id for e in wanted})
    with transaction.atomic():
        before = involved.count()
        Escalation.objects.bulk_create(wanted, ignore_conflicts=True)
        return involved.count() - before
