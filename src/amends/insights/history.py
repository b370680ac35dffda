"""The figures with a history: accounts per loyalty segment and revenue at risk, day by
day (or week by week), read from the daily sums the rescore writes with its snapshots
(``HealthDay``: a few hundred rows a day, not one per account). The same conventions
as ``metrics``: the reader's teams, a period of dates, and an optional segment, which
here is each day's: the accounts in that segment on that day."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amends.health.models import Band, HealthDay
from amends.health.models import Segment as LoyaltySegment
from amends.insights.metrics import _money, _teams

DAILY_UP_TO_DAYS = 31
SAMPLING = gettext_lazy(
    "Sampled days: every day with snapshots when the period is 31 days or shorter; "
    "otherwise the last day with snapshots in each ISO week (Monday to Sunday) of the period."
)


def snapshot_days(start: date, end: date) -> tuple[str, list[date]]:
    """The days a history figure reads: ("day", every snapshot day) for a short period,
    else ("week", the last snapshot day of each ISO week). One index seek per day or
    week instead of a DISTINCT over every account's snapshots."""
    if end < start:
        raise ValueError("The period ends before it starts.")
    snapshots = HealthDay.objects.order_by("-day").values_list("day", flat=True)
    if (end - start).days + 1 <= DAILY_UP_TO_DAYS:
        buckets = [(start + timedelta(days=n),) * 2 for n in range((end - start).days + 1)]
        sampling = "day"
    else:
        monday = start - timedelta(days=start.weekday())
        buckets = []
        while monday <= end:
            buckets.append((max(monday, start), min(monday + timedelta(days=6), end)))
            monday += timedelta(days=7)
        sampling = "week"
    days = [snapshots.filter(day__gte=low, day__lte=high).first() for low, high in buckets]
    return sampling, [day for day in days if day is not None]


def _on_the_day(segment: str | None) -> str:
    if not segment:
        return ""
    return " " + _("Only the accounts in the chosen segment on each sampled day are counted.")


def _sums(teams: set[int] | None, segment: str | None, days: list[date]):
    on_the_day = Q(segment=segment) if segment else Q()
    return HealthDay.objects.filter(_teams("team_id", teams), on_the_day, day__in=days).order_by()


def segments_over_time(
    *, teams: set[int] | None, start: date, end: date, segment: str | None = None
) -> dict:
    sampling, days = snapshot_days(start, end)
    counts = {
        (day, kind): n
        for day, kind, n in _sums(teams, segment, days)
        .exclude(segment="")
        .values_list("day", "segment")
        .annotate(n=Sum("accounts"))
        .values_list("day", "segment", "n")
    }
    return {
        "definition": _(
            "Accounts per loyalty segment (loyal; satisfied but at risk; unhappy) in the "
            "daily health snapshots of the sampled days. Snapshots taken before segments "
            "were kept have none and are not counted."
        )
        + " "
        + str(SAMPLING)
        + _on_the_day(segment),
        "sampling": sampling,
        "by_day": [
            {"day": day.isoformat(), **{s: counts.get((day, s), 0) for s in LoyaltySegment.values}}
            for day in days
        ],
    }


def revenue_at_risk_over_time(
    *, teams: set[int] | None, start: date, end: date, segment: str | None = None
) -> dict:
    sampling, days = snapshot_days(start, end)
    sums = {
        (day, currency): (total, n)
        for day, currency, total, n in _sums(teams, segment, days)
        .filter(Q(band=Band.RED) | Q(segment=LoyaltySegment.AT_RISK), closed=False)
        .values_list("day", "currency")
        .annotate(total=Sum("annual_value"), n=Sum("accounts"))
        .values_list("day", "currency", "total", "n")
    }
    currencies = sorted({currency for _day, currency in sums})
    nothing = (Decimal(0), 0)
    return {
        "definition": _(
            "Per sampled day and currency: the annual value of the accounts whose snapshot "
            "that day was red or 'satisfied but at risk' (the accounts list's rule, applied "
            "to each day's snapshot). Values, currencies and lifecycles are the accounts' "
            "as they were when that day was scored (for days scored before Amends kept "
            "daily sums, as they were when it started to): accounts churned or parting "
            "that day are left out."
        )
        + " "
        + str(SAMPLING)
        + _on_the_day(segment),
        "sampling": sampling,
        "days": [day.isoformat() for day in days],
        "by_currency": {
            currency: [
                {"day": day.isoformat(), "total": _money(total or Decimal(0)), "accounts": n}
                for day in days
                for total, n in [sums.get((day, currency), nothing)]
            ]
            for currency in currencies
        },
    }
