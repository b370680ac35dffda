"""Figures of how relationships fare around a recovery: recovery and win-back rates, days
to thaw, double failures, satisfaction before and after. The conventions are in ``metrics.py``."""

import statistics
from collections import defaultdict
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _

from amends.accounts.models import Account, Lifecycle
from amends.insights.metrics import WINDOW, _segment, _share, _teams, period_bounds
from amends.recovery.models import (
    Outcome,
    PlaybookKind,
    RecoveryCase,
)
from amends.signals.models import Signal, SignalKind
from amends.timeline.models import Event

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
    # One index seek per churned account into its events and into its orders, rather
    # than every event and order of the period checked against a list of thousands.
    moved_back = Event.objects.filter(
        account_id=OuterRef("pk"),
        action="account.updated",
        after__lifecycle=Lifecycle.WON_BACK,
        at__gte=since,
        at__lt=until,
    )
    ordered = Signal.objects.filter(
        account_id=OuterRef("pk"), kind=SignalKind.ORDER, at__gte=since, at__lt=until
    )
    won = set(
        Account.objects.filter(pk__in=churned)
        .filter(Exists(moved_back) | Exists(ordered))
        .values_list("pk", flat=True)
    )
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
