"""Figures of the team's casework: first contact after an incident, commitments kept on time,
work in hand now and the causes that recur. The conventions are in ``metrics.py``."""

import math
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from amends.incidents.models import AffectedAccount, Incident, Severity
from amends.insights.metrics import _segment, _share, _teams, period_bounds
from amends.recovery.models import (
    CaseStep,
    Commitment,
    CommitmentStatus,
    PlaybookKind,
    PlaybookStep,
    RecoveryCase,
)
from amends.recovery.selectors import commitment_late_q

FIRST_CONTACT = "first_contact"
HOUR = 3600


def percentile_nearest_rank(values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p % of the values at or below
    it, i.e. the ceil(p/100 * n)-th of the sorted values. Always an observed value."""
    if not values:
        raise ValueError("No values.")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


# -- 1. tell them first ------------------------------------------------------------


def first_contact_times(
    *, teams: set[int] | None, start: date, end: date, segment: str | None = None
) -> dict:
    since, until = period_bounds(start, end)
    steps = CaseStep.objects.filter(
        _teams("case__account__team_id", teams),
        _segment("case__account", segment),
        key=FIRST_CONTACT,
        case__playbook__kind=PlaybookKind.MISTAKE,
        case__incident__isnull=False,
        case__opened_at__gte=since,
        case__opened_at__lt=until,
    ).values_list(
        "case__severity", "case__incident__discovered_at", "done_at", "due_at", "skipped_reason"
    )
    hours: dict[int, list[float]] = defaultdict(list)
    on_time: Counter[int] = Counter()
    waiting: Counter[int] = Counter()
    for severity, discovered_at, done_at, due_at, skipped_reason in steps:
        if skipped_reason:
            continue
        if done_at is None:
            waiting[severity] += 1
            continue
        hours[severity].append((done_at - discovered_at).total_seconds() / HOUR)
        on_time[severity] += done_at <= due_at
    rows = []
    for severity in Severity:
        measured = hours.get(severity.value, [])
        if not measured and not waiting[severity.value]:
            continue
        rows.append(
            {
                "severity": severity.value,
                "label": str(severity.label),
                "contacted": len(measured),
                "not_yet_contacted": waiting[severity.value],
                "median_hours": round(statistics.median(measured), 2) if measured else None,
                "p90_hours": round(percentile_nearest_rank(measured, 90), 2) if measured else None,
                "within_deadline_share": _share(on_time[severity.value], len(measured)),
            }
        )
    step = PlaybookStep.objects.filter(playbook__kind=PlaybookKind.MISTAKE, key=FIRST_CONTACT)
    deadline = step.first()
    return {
        "definition": _(
            "Mistake cases opened in the period, per severity: hours from the incident's "
            "discovery to the moment the case's first-contact step was done. Median, and "
            "90th percentile by nearest rank (the ceil(0.9 * n)-th smallest time). The share "
            "within deadline is the share of those contacts done at or before the step's "
            "deadline (which runs from the case's opening and moves with pauses). Skipped "
            "steps are left out; steps not yet done are counted apart, not measured. "
            "Deadline hours: the playbook's first-contact deadline for the severity."
        ),
        "by_severity": rows,
        "deadline_hours": {
            str(row["severity"]): deadline.due_hours(row["severity"]) if deadline else None
            for row in rows
        },
    }


# -- 2. promises kept ------------------------------------------------------------


def commitments_kept_on_time(
    *, teams: set[int] | None, start: date, end: date, segment: str | None = None
) -> dict:
    since, until = period_bounds(start, end)
    counts = dict(
        Commitment.objects.filter(
            _teams("case__account__team_id", teams),
            _segment("case__account", segment),
            resolved_at__gte=since,
            resolved_at__lt=until,
            status__in=[CommitmentStatus.KEPT, CommitmentStatus.KEPT_LATE, CommitmentStatus.BROKEN],
        )
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    kept, late, broken = (counts.get(s, 0) for s in ("kept", "kept_late", "broken"))
    return {
        "definition": _(
            "Commitments resolved in the period: kept on time / (kept on time + kept late + "
            "broken). A renegotiated commitment is not counted: the new one that replaces it "
            "is, when it is resolved."
        ),
        "kept": kept,
        "kept_late": late,
        "broken": broken,
        "share": _share(kept, kept + late + broken),
    }


# -- 4. never the same mistake twice ------------------------------------------------


def recurring_causes(
    *, teams: set[int] | None, start: date, end: date, segment: str | None = None
) -> dict:
    since, until = period_bounds(start, end)
    incidents = Incident.objects.filter(
        _teams("team_id", teams), discovered_at__gte=since, discovered_at__lt=until
    )
    if segment:
        incidents = incidents.filter(
            Exists(
                AffectedAccount.objects.filter(
                    incident=OuterRef("pk"), account__health__segment=segment
                )
            )
        )
    rows = [
        {"cause": slug, "name": name, "incidents": n}
        for slug, name, n in incidents.order_by()
        .values_list("cause__slug", "cause__name")
        .annotate(n=Count("id"))
        .order_by("-n", "cause__slug")
    ]
    return {
        "definition": _(
            "Incidents discovered in the period, counted per cause category; recurring are "
            "the causes with more than one incident in the period."
        ),
        "by_cause": rows,
        "recurring": [r["cause"] for r in rows if r["incidents"] > 1],
    }


# -- 6. work in hand, now ----------------------------------------------------------------


def open_work(*, teams: set[int] | None, now: datetime, segment: str | None = None) -> dict:
    # Counted by the database: a case's stage is one index seek into its steps.
    open_cases = RecoveryCase.objects.filter(
        _teams("account__team_id", teams), _segment("account", segment), closed_at__isnull=True
    )
    first_unfinished = (
        CaseStep.objects.filter(case=OuterRef("pk"), done_at__isnull=True)
        .order_by("order")
        .values("key")[:1]
    )
    counts = {
        (kind, stage): n
        for kind, stage, n in open_cases.annotate(
            stage=Coalesce(Subquery(first_unfinished), Value("all_steps_done"))
        )
        .order_by()
        .values_list("playbook__kind", "stage")
        .annotate(n=Count("id"))
    }
    # A paused clock stops where it was paused, as the case page shows it.
    late_steps = CaseStep.objects.filter(
        _teams("case__account__team_id", teams),
        _segment("case__account", segment),
        case__closed_at__isnull=True,
        done_at__isnull=True,
        due_at__lt=Coalesce("case__paused_at", Value(now)),
    ).count()
    late_commitments = Commitment.objects.filter(
        _teams("case__account__team_id", teams),
        _segment("case__account", segment),
        commitment_late_q(now=now),
        case__closed_at__isnull=True,
    ).count()
    return {
        "definition": _(
            "Open cases now, by stage: the playbook and the key of the first step (in playbook "
            "order) that is neither done nor skipped ('all_steps_done' when none is left). "
            "Late steps: unfinished steps of open cases past their deadline (a paused case's "
            "clock stops at the pause). Late commitments: open commitments of open cases past "
            "their due time (here too a paused case's clock stops at the pause)."
        ),
        "by_stage": [
            {"playbook": kind, "stage": key, "cases": n}
            for (kind, key), n in sorted(counts.items())
        ],
        "late_steps": late_steps,
        "late_commitments": late_commitments,
    }
