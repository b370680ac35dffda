from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from amends.core.models import SearchKind
from amends.core.sorting import Sort
from amends.core.textsearch import matching_ids
from amends.people.access import READ, WRITE, team_ids_for, user_can
from amends.people.models import User
from amends.recovery.models import (
    CaseRecord,
    CaseStep,
    Commitment,
    CommitmentStatus,
    Escalation,
    RecordKind,
    RecoveryCase,
    Requirement,
    StepState,
)


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


def commitment_is_late(commitment: Commitment, *, now: datetime) -> bool:
    """An open promise past its due time. As for steps, a paused case's clock stops
    at the moment it was paused."""
    if commitment.status != CommitmentStatus.OPEN:
        return False
    return (commitment.case.paused_at or now) > commitment.due_at


def commitment_late_q(*, now: datetime) -> Q:
    """``commitment_is_late`` as a filter on commitments, for counting in the database."""
    clock = Coalesce(F("case__paused_at"), Value(now))
    return Q(status=CommitmentStatus.OPEN, due_at__lt=clock)


def requirement_met(
    need: str, *, records: Sequence[CaseRecord], commitments: Sequence[Commitment]
) -> bool:
    """Whether a case's records and promises meet one of a step's requirements;
    any other requirement is a record of that kind."""
    if need == Requirement.COMMITMENT:
        return bool(commitments)
    if need == Requirement.COMMITMENTS_RESOLVED:
        return bool(commitments) and all(c.status != CommitmentStatus.OPEN for c in commitments)
    if need == Requirement.FOLLOW_UP_RELEASE:
        return any(r.kind == RecordKind.FOLLOW_UP and r.data.get("released") for r in records)
    return any(r.kind == need for r in records)


def step_missing(
    case: RecoveryCase,
    step: CaseStep,
    *,
    records: Sequence[CaseRecord] | None = None,
    commitments: Sequence[Commitment] | None = None,
) -> list[str]:
    """The requirements of ``step`` the case has not met yet. Pass the case's
    records and commitments when they are already loaded."""
    if records is None:
        records = list(case.records.only("kind", "data"))
    if commitments is None:
        commitments = list(case.commitments.only("status"))
    return [
        need
        for need in step.requires
        if not requirement_met(need, records=records, commitments=commitments)
    ]


def case_visible_to(user: User | AnonymousUser) -> QuerySet[RecoveryCase]:
    # Whoever sees every team sees every case: no "account IN (every account)" for the
    # planner to start from, so a list's index can hand over its rows in order.
    ids = team_ids_for(user, READ)
    if ids is None:
        return RecoveryCase.objects.all()
    # The case's own team (its account's): the case's indexes answer, no join.
    return RecoveryCase.objects.filter(team_id__in=ids)


def case_get_for(*, user: User | AnonymousUser, case_id: int, action: str = READ) -> RecoveryCase:
    """The case ``user`` may see, or 404; for a write, 403 when they may only look."""
    case = (
        case_visible_to(user)
        .select_related("account", "account__team", "playbook", "owner", "incident")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise Http404("No such case.")
    if action == WRITE and not user_can(user, WRITE, case.account.team_id):
        raise PermissionDenied(gettext("You may look at this case but not change it."))
    return case


# My work and the digest list this many of each kind, the most urgent first, and say
# how many more there are: a person owning 9,577 open cases (the scale bench's busiest
# manager) had hundreds of rows drawn, some 60 % of the page's time.
SHOWN = 50


@dataclass
class MyWork:
    late_steps: list[CaseStep]
    due_steps: list[CaseStep]
    late_commitments: list[Commitment]
    due_commitments: list[Commitment]
    escalations: list[Escalation]
    # How many there are in all; the lists above hold the first ``SHOWN`` of each.
    late_steps_total: int = 0
    due_steps_total: int = 0
    late_commitments_total: int = 0
    due_commitments_total: int = 0

    @property
    def late_count(self) -> int:
        return self.late_steps_total + self.late_commitments_total

    @property
    def due_count(self) -> int:
        return self.due_steps_total + self.due_commitments_total

    @property
    def late_more(self) -> int:
        return self.late_count - len(self.late_steps) - len(self.late_commitments)

    @property
    def due_more(self) -> int:
        return self.due_count - len(self.due_steps) - len(self.due_commitments)

    @property
    def is_empty(self) -> bool:
        return not (self.late_count or self.due_count or self.escalations)


def my_work(*, user: User | AnonymousUser, now: datetime, shown: int = SHOWN) -> MyWork:
    """What needs this person today: late and due steps on the cases they own,
    late and due promises they made, and what was escalated to them; the first
    ``shown`` of each kind, the earliest due first, with how many there are."""
    if isinstance(user, AnonymousUser):
        return MyWork([], [], [], [], [])
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    running = Q(case__closed_at__isnull=True, case__paused_at__isnull=True)
    # Which steps, by index alone (``case_step_open``): counted in one aggregate, and
    # only the rows shown read into Python (a manager with 6,472 steps due today had
    # every one's date parsed for the 50 shown: a third of the page).
    mine = CaseStep.objects.filter(
        running, case__owner=user, done_at__isnull=True, due_at__lte=end_of_day
    ).order_by()
    totals = mine.aggregate(
        late=Count("pk", filter=Q(due_at__lt=now)), due=Count("pk", filter=Q(due_at__gte=now))
    )
    late_ids = list(
        mine.filter(due_at__lt=now).order_by("due_at", "pk").values_list("pk", flat=True)[:shown]
    )
    due_ids = list(
        mine.filter(due_at__gte=now).order_by("due_at", "pk").values_list("pk", flat=True)[:shown]
    )
    shown_steps = {
        step.pk: step
        for step in CaseStep.objects.filter(pk__in=late_ids + due_ids).select_related(
            "case__account", "case__playbook"
        )
    }
    promises = list(
        Commitment.objects.filter(running, owner=user, status=CommitmentStatus.OPEN)
        .filter(due_at__lte=end_of_day)
        .select_related("case__account")
        .order_by("due_at")
    )
    late_promises = [c for c in promises if commitment_is_late(c, now=now)]
    due_promises = [c for c in promises if not commitment_is_late(c, now=now)]
    escalations = (
        Escalation.objects.filter(recipient=user, case__closed_at__isnull=True)
        .filter(Q(step__isnull=True) | Q(step__done_at__isnull=True))
        .filter(Q(commitment__isnull=True) | Q(commitment__status=CommitmentStatus.OPEN))
        .select_related("case__account", "step", "commitment")
        .order_by("-raised_at")[:200]
    )
    # One line per late thing: a step escalated to this person at two levels (as its
    # owner, then as a manager) is listed once, at its latest.
    once, seen = [], set()
    for escalation in escalations:
        what = (escalation.case_id, escalation.step_id, escalation.commitment_id)
        if what not in seen:
            seen.add(what)
            once.append(escalation)
    return MyWork(
        late_steps=[shown_steps[pk] for pk in late_ids],
        due_steps=[shown_steps[pk] for pk in due_ids],
        late_commitments=late_promises[:shown],
        due_commitments=due_promises[:shown],
        escalations=once,
        late_steps_total=totals["late"],
        due_steps_total=totals["due"],
        late_commitments_total=len(late_promises),
        due_commitments_total=len(due_promises),
    )


# My work's open cases: most urgent first unless asked otherwise (core.sorting).
CASE_SORTS = {
    "urgency": ["closed_at", "-last_chance", "severity", "opened_at", "id"],
    "opened": ["-opened_at", "-id"],
    "account": ["account__name", "id"],
    "value": ["-account__annual_value", "id"],
    "due": ["next_due", "id"],
}
CASE_SORTS_NULLABLE = {"next_due"}


def case_list_sorted(cases: QuerySet[RecoveryCase], sort: Sort) -> QuerySet[RecoveryCase]:
    """``cases`` in one of CASE_SORTS. "due" is the case's next open step: one seek into
    its steps (the case_step_open index) per case; cases with none left come last
    (CASE_SORTS_NULLABLE)."""
    if sort.name == "due":
        next_due = (
            CaseStep.objects.filter(case=OuterRef("pk"), done_at__isnull=True)
            .order_by("due_at")
            .values("due_at")[:1]
        )
        cases = cases.annotate(next_due=Subquery(next_due))
    return cases.order_by(*sort.order)


def case_list_open(*, user: User | AnonymousUser) -> QuerySet[RecoveryCase]:
    """The open cases ``user`` may see, most urgent first. Nothing is counted here:
    the page's own cases get their progress from ``case_progress`` once paginated,
    so the list costs the same with 20 open cases or 20,000."""
    return (
        case_visible_to(user)
        .filter(closed_at__isnull=True)
        .select_related("account", "playbook", "owner", "incident")
        # closed_at is NULL on every row here: it leads the order only so that PostgreSQL,
        # which does not take "IS NULL" for a constant, sees the index's own order.
        .order_by("closed_at", "-last_chance", "severity", "opened_at", "id")
    )


def case_list(
    *, user: User | AnonymousUser, include_closed: bool = False, q: str = ""
) -> QuerySet[RecoveryCase]:
    """The cases ``user`` may see: the open ones most urgent first, as My work lists
    them (the ``case_open_order`` index walks that order); with the closed ones too,
    the latest opened first (``case_recent``). Either way an index hands the rows over
    in order, so a page costs the same whatever the number of cases."""
    if include_closed:
        cases = (
            case_visible_to(user)
            .select_related("account", "playbook", "owner", "incident")
            .order_by("-opened_at", "-id")
        )
    else:
        cases = case_list_open(user=user)
    # Words of the case: its account's name, its reason, its closing note.
    matching = matching_ids(SearchKind.CASE, q, team_ids=team_ids_for(user, READ)) if q else None
    return cases if matching is None else cases.filter(pk__in=matching)


def case_list_for_account(*, account_id: int) -> QuerySet[RecoveryCase]:
    return (
        RecoveryCase.objects.filter(account_id=account_id)
        .select_related("playbook", "owner", "incident")
        .order_by("-opened_at")
    )


@dataclass
class CaseProgress:
    """What a list shows of one case: steps done, late and in all, broken promises,
    and when the next unfinished step falls due (None when none is left)."""

    done: int = 0
    late: int = 0
    total: int = 0
    broken: int = 0
    next_due: datetime | None = None


def case_progress(cases: list[RecoveryCase], *, now: datetime) -> dict[int, CaseProgress]:
    """Each case's progress, in two queries, for a page of cases already fetched."""
    progress = {c.pk: CaseProgress() for c in cases}
    paused = {c.pk: c.paused_at for c in cases}
    # No ORDER BY: a step's default order joins the case table to sort by the case.
    steps = CaseStep.objects.filter(case__in=cases).order_by()
    for case_id, done_at, due_at in steps.values_list("case_id", "done_at", "due_at"):
        counts = progress[case_id]
        counts.total += 1
        if done_at is not None:
            counts.done += 1
            continue
        if (paused[case_id] or now) > due_at:
            counts.late += 1
        if counts.next_due is None or due_at < counts.next_due:
            counts.next_due = due_at
    broken = Commitment.objects.filter(case__in=cases, status=CommitmentStatus.BROKEN).order_by()
    for case_id in broken.values_list("case_id", flat=True):
        progress[case_id].broken += 1
    return progress
