"""The numbers of METHOD.md ("Principles that become numbers"), computed from the
records the other apps keep. Read-only selectors: each takes the teams the reader may
see (``None`` for every team, as ``team_ids_for`` answers) and returns plain
JSON-ready dicts, each with a ``definition`` that says in words what was counted.

A period ``start`` to ``end`` is a pair of dates, both included, read in the site's
time zone: from ``start`` 00:00 up to (not including) the day after ``end``.

Every figure also takes ``segment``: only the accounts whose loyalty segment is that
one as of the latest rescore (``AccountHealth.segment``; an account never scored is
in none). Incident-based figures keep the incidents that affected at least one such
account.
"""

import math
import statistics
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.accounts.models import Account, Lifecycle
from amends.complaints.models import Complaint
from amends.incidents.models import AffectedAccount, Incident, Severity
from amends.recovery.models import (
    CaseStep,
    Commitment,
    CommitmentStatus,
    Outcome,
    PlaybookKind,
    PlaybookStep,
    RecoveryCase,
)
from amends.recovery.selectors import commitment_late_q
from amends.signals.models import Signal, SignalKind
from amends.timeline.models import Event

FIRST_CONTACT = "first_contact"
WINDOW = timedelta(days=90)
FAST = timedelta(hours=24)
HOUR = 3600


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[from, until): the first instant of ``start`` and of the day after ``end``."""
    if end < start:
        raise ValueError("The period ends before it starts.")
    zone = timezone.get_current_timezone()
    since = timezone.make_aware(datetime.combine(start, time.min), zone)
    until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone)
    return since, until


def _teams(field: str, teams: set[int] | None) -> Q:
    return Q() if teams is None else Q(**{f"{field}__in": teams})


def _segment(account: str, segment: str | None) -> Q:
    """Only accounts (reached through the path ``account``) in ``segment`` now."""
    prefix = f"{account}__" if account else ""
    return Q(**{f"{prefix}health__segment": segment}) if segment else Q()


def _share(part: int, whole: int) -> float | None:
    # No denominator, no figure: 0 % would claim a failure that never had a chance.
    return round(part / whole, 4) if whole else None


def _money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


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


# -- 3. recovery, win-back, thaw --------------------------------------------------


def recovery_rate(
    *, teams: set[int] | None, start: date, end: date, segment: str | None = None
) -> dict:
    since, until = period_bounds(start, end)
    closed = RecoveryCase.objects.filter(
        _teams("account__team_id", teams),
        _segment("account", segment),
        closed_at__gte=since,
        closed_at__lt=until,
    )
    by_kind: dict[str, dict] = {}
    for kind, outcome, n in (
        closed.values_list("playbook__kind", "outcome").annotate(n=Count("id")).order_by()
    ):
        row = by_kind.setdefault(kind, {"closed": 0, "recovered": 0})
        row["closed"] += n
        row["recovered"] += n if outcome in (Outcome.RECOVERED, Outcome.ADVOCATE) else 0
    for row in by_kind.values():
        row["rate"] = _share(row["recovered"], row["closed"])
    total = sum(r["closed"] for r in by_kind.values())
    recovered = sum(r["recovered"] for r in by_kind.values())
    return {
        "definition": _(
            "Cases of every playbook closed in the period: (closed recovered + closed as "
            "advocate) / all closed. Also per playbook."
        ),
        "closed": total,
        "recovered": recovered,
        "rate": _share(recovered, total),
        "by_playbook": dict(sorted(by_kind.items())),
    }


def _lifecycle_at(
    account_ids: set[int] | None,
    teams: set[int] | None,
    moment: datetime,
    segment: str | None = None,
):
    """Each account's lifecycle as its timeline last recorded it before ``moment``."""
    events = Event.objects.filter(
        _teams("account__team_id", teams),
        _segment("account", segment),
        action__in=["account.created", "account.updated"],
        after__has_key="lifecycle",
        at__lt=moment,
    )
    if account_ids is not None:
        events = events.filter(account_id__in=account_ids)
    state: dict[int, str] = {}
    for account_id, after in events.order_by("at", "id").values_list("account_id", "after"):
        state[account_id] = after["lifecycle"]
    return state


def win_back_rate(
    *, teams: set[int] | None, start: date, end: date, segment: str | None = None
) -> dict:
    since, until = period_bounds(start, end)
    lifecycles = _lifecycle_at(None, teams, since, segment)
    churned = {a for a, state in lifecycles.items() if state == "churned"}
    moved_back = set(
        Event.objects.filter(
            account_id__in=churned,
            action="account.updated",
            after__lifecycle=Lifecycle.WON_BACK,
            at__gte=since,
            at__lt=until,
        ).values_list("account_id", flat=True)
    )
    ordered = set(
        Signal.objects.filter(
            account_id__in=churned, kind=SignalKind.ORDER, at__gte=since, at__lt=until
        ).values_list("account_id", flat=True)
    )
    won = moved_back | ordered
    return {
        "definition": _(
            "Accounts whose lifecycle was 'churned' at the start of the period (the last "
            "lifecycle their timeline recorded before it); won back are those of them moved "
            "to 'won back' during the period or with at least one order signal in it. "
            "Rate = won back / churned at the start."
        ),
        "churned_at_start": len(churned),
        "won_back": len(won),
        "rate": _share(len(won), len(churned)),
    }


THAW_BUCKETS = [(0, 7), (7, 14), (14, 30), (30, 60), (60, None)]


def thaw_days_to_resolve(
    *, teams: set[int] | None, start: date, end: date, segment: str | None = None
) -> dict:
    since, until = period_bounds(start, end)
    spans = [
        (closed_at - opened_at).total_seconds() / 86400
        for opened_at, closed_at in RecoveryCase.objects.filter(
            _teams("account__team_id", teams),
            _segment("account", segment),
            playbook__kind=PlaybookKind.THAW,
            closed_at__gte=since,
            closed_at__lt=until,
        ).values_list("opened_at", "closed_at")
    ]
    return {
        "definition": _(
            "Thaw cases closed in the period, whatever their outcome: the mean number of "
            "days from opening to closing. The histogram counts the cases by days taken, "
            "from (included) to (not included)."
        ),
        "cases": len(spans),
        "mean_days": round(statistics.fmean(spans), 2) if spans else None,
        "histogram": [
            {
                "from_days": low,
                "to_days": high,
                "cases": sum(low <= d and (high is None or d < high) for d in spans),
            }
            for low, high in THAW_BUCKETS
        ],
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


# -- 5. a third chance is rare --------------------------------------------------------


def double_failures(
    *, teams: set[int] | None, start: date, end: date, segment: str | None = None
) -> dict:
    since, until = period_bounds(start, end)
    cases = (
        RecoveryCase.objects.filter(
            _teams("account__team_id", teams),
            _segment("account", segment),
            last_chance=True,
            opened_at__gte=since,
            opened_at__lt=until,
        )
        .order_by("opened_at", "id")
        .values_list("account_id", "account__name", "id", "opened_at")
    )
    accounts: dict[int, dict] = {}
    for account_id, name, case_id, opened_at in cases:
        row = accounts.setdefault(account_id, {"account_id": account_id, "name": name, "cases": []})
        row["cases"].append({"case_id": case_id, "opened_at": opened_at.isoformat()})
    return {
        "definition": _(
            "Accounts with a last-chance case opened in the period: a case opened while the "
            "account's latest closed case had ended recovered or as advocate."
        ),
        "accounts": len(accounts),
        "list": list(accounts.values()),
    }


# -- 6. work in hand, now ----------------------------------------------------------------


def open_work(*, teams: set[int] | None, now: datetime, segment: str | None = None) -> dict:
    steps = (
        CaseStep.objects.filter(
            _teams("case__account__team_id", teams),
            _segment("case__account", segment),
            case__closed_at__isnull=True,
            done_at__isnull=True,
        )
        .order_by("case_id", "order")
        .values_list("case_id", "case__playbook__kind", "key", "due_at", "case__paused_at")
    )
    stage: dict[int, tuple[str, str]] = {}
    late_steps = 0
    for case_id, kind, key, due_at, paused_at in steps:
        stage.setdefault(case_id, (kind, key))
        # A paused clock stops where it was paused, as the case page shows it.
        late_steps += (paused_at or now) > due_at
    open_cases = RecoveryCase.objects.filter(
        _teams("account__team_id", teams), _segment("account", segment), closed_at__isnull=True
    ).values_list("id", "playbook__kind")
    counts: Counter[tuple[str, str]] = Counter(
        stage.get(case_id, (kind, "all_steps_done")) for case_id, kind in open_cases
    )
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


# -- 7. satisfaction around a recovery -------------------------------------------------


def satisfaction_before_after(
    *, teams: set[int] | None, start: date, end: date, segment: str | None = None
) -> dict:
    since, until = period_bounds(start, end)
    cases = list(
        RecoveryCase.objects.filter(
            _teams("account__team_id", teams),
            _segment("account", segment),
            playbook__kind=PlaybookKind.MISTAKE,
            closed_at__gte=since,
            closed_at__lt=until,
        ).values_list("account_id", "opened_at", "closed_at")
    )
    answers: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    if cases:
        for account_id, at, value in Signal.objects.filter(
            kind=SignalKind.CSAT,
            value__isnull=False,
            account_id__in={c[0] for c in cases},
            at__gte=min(c[1] for c in cases) - WINDOW,
            at__lte=max(c[2] for c in cases) + WINDOW,
        ).values_list("account_id", "at", "value"):
            answers[account_id].append((at, float(value)))
    befores, afters, unpaired = [], [], 0
    for account_id, opened_at, closed_at in cases:
        before = [v for at, v in answers[account_id] if opened_at - WINDOW <= at < opened_at]
        after = [v for at, v in answers[account_id] if closed_at < at <= closed_at + WINDOW]
        if before and after:
            befores.append(statistics.fmean(before))
            afters.append(statistics.fmean(after))
        else:
            unpaired += 1
    return {
        "definition": _(
            "Mistake cases closed in the period that have CSAT answers (1–5) both in the 90 "
            "days before the case opened and in the 90 days after it closed. For each such "
            "case the mean answer before and after; the figures are the means of those case "
            "means, so every case weighs the same. Cases lacking either side are counted "
            "apart."
        ),
        "cases": len(befores),
        "cases_without_both": unpaired,
        "mean_before": round(statistics.fmean(befores), 2) if befores else None,
        "mean_after": round(statistics.fmean(afters), 2) if afters else None,
    }


# -- 8. the TARP table -----------------------------------------------------------------------


def _complaints_in(teams: set[int] | None, since: datetime, until: datetime, segment: str | None):
    return Complaint.objects.filter(
        _teams("team_id", teams),
        _segment("account", segment),
        account__isnull=False,
        received_at__gte=since,
        received_at__lt=until,
    )


def retention_after_problems(
    *, teams: set[int] | None, start: date, end: date, segment: str | None = None
) -> dict:
    since, until = period_bounds(start, end)
    # Each account's first complaint of the period decides its row.
    complained: dict[int, tuple[datetime, datetime | None]] = {}
    for account_id, received_at, resolved_at in (
        _complaints_in(teams, since, until, segment)
        .order_by("received_at", "id")
        .values_list("account_id", "received_at", "resolved_at")
    ):
        complained.setdefault(account_id, (received_at, resolved_at))
    silent: dict[int, datetime] = {}
    for account_id, opened_at in (
        RecoveryCase.objects.filter(
            _teams("account__team_id", teams),
            _segment("account", segment),
            playbook__kind=PlaybookKind.MISTAKE,
            opened_at__gte=since,
            opened_at__lt=until,
        )
        .order_by("opened_at", "id")
        .values_list("account_id", "opened_at")
    ):
        if account_id not in complained:
            silent.setdefault(account_id, opened_at)
    problem_at = {**silent, **{a: r for a, (r, _) in complained.items()}}
    orders: dict[int, list[datetime]] = defaultdict(list)
    if problem_at:
        for account_id, at in Signal.objects.filter(
            kind=SignalKind.ORDER,
            account_id__in=problem_at,
            at__gt=min(problem_at.values()),
            at__lte=max(problem_at.values()) + WINDOW,
        ).values_list("account_id", "at"):
            orders[account_id].append(at)

    def still_buying(account_id: int) -> bool:
        began = problem_at[account_id]
        return any(began < at <= began + WINDOW for at in orders[account_id])

    groups: dict[str, list[int]] = {
        "did_not_complain": list(silent),
        "complained": list(complained),
        "complained_not_resolved": [],
        "complained_resolved_slowly": [],
        "complained_resolved_fast": [],
    }
    for account_id, (received_at, resolved_at) in complained.items():
        if resolved_at is None:
            groups["complained_not_resolved"].append(account_id)
        elif resolved_at - received_at <= FAST:
            groups["complained_resolved_fast"].append(account_id)
        else:
            groups["complained_resolved_slowly"].append(account_id)
    rows = []
    for name, members in groups.items():
        buying = sum(still_buying(a) for a in members)
        rows.append(
            {
                "group": name,
                "accounts": len(members),
                "still_buying": buying,
                "share": _share(buying, len(members)),
            }
        )
    return {
        "definition": _(
            "Accounts that had a problem in the period: a mistake case opened or a complaint "
            "received. Those with a complaint in the period are 'complained', split by their "
            "first complaint of the period: not resolved (as of now), resolved within 24 hours "
            "of receipt (fast), or resolved later (slowly); the others 'did not complain'. "
            "Still buying: at least one order signal in the 90 days after the problem (the "
            "first complaint, or for the others the first mistake case's opening)."
        ),
        "rows": rows,
    }


# -- 9. complainers buy more ---------------------------------------------------------------


def spend_complainers_vs_silent(
    *, teams: set[int] | None, start: date, end: date, segment: str | None = None
) -> dict:
    since, until = period_bounds(start, end)
    complainers = set(
        _complaints_in(teams, since, until, segment).values_list("account_id", flat=True)
    )
    affected = set(
        AffectedAccount.objects.filter(
            _teams("incident__team_id", teams),
            _segment("account", segment),
            incident__discovered_at__gte=since,
            incident__discovered_at__lt=until,
        ).values_list("account_id", flat=True)
    )
    silent = affected - complainers
    currency = dict(
        Account.objects.filter(pk__in=complainers | silent).values_list("id", "currency")
    )
    spent = dict(
        Signal.objects.filter(
            kind=SignalKind.ORDER,
            account_id__in=complainers | silent,
            at__gte=since,
            at__lt=until,
        )
        .order_by()
        .values_list("account_id")
        .annotate(total=Sum("value"))
        .values_list("account_id", "total")
    )
    by_currency: dict[str, dict[str, dict]] = {}
    for group, members in (("complainers", complainers), ("silent", silent)):
        for account_id in members:
            row = by_currency.setdefault(currency[account_id], {}).setdefault(
                group, {"accounts": 0, "total": Decimal(0)}
            )
            row["accounts"] += 1
            row["total"] += spent.get(account_id) or Decimal(0)
    result = {}
    for code, groups in sorted(by_currency.items()):
        result[code] = {
            group: {
                "accounts": row["accounts"],
                "total": _money(row["total"]),
                "mean_per_account": _money(row["total"] / row["accounts"]),
            }
            for group, row in sorted(groups.items())
        }
    return {
        "definition": _(
            "Complainers: accounts with a complaint received in the period. Silent: accounts "
            "affected by an incident discovered in the period that did not complain in it. "
            "Mean order value per account: the sum of the group's order signals in the "
            "period divided by the number of accounts in the group (those with no order "
            "count as zero). Per account currency: order amounts are taken to be in it."
        ),
        "by_currency": result,
    }
