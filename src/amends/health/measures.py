"""Every account's measures, read in bulk: a handful of GROUP BY account queries over
signals and commitments, never one query per account.

What each factor measures, and which window it reads:

- ``nps``: the latest NPS answer (0-10) in the window.
- ``csat``: the average CSAT answer (1-5) in the window.
- ``complaints``: complaints in the window.
- ``usage_trend``: usage in the last half of the window against the half before,
  in %, per metric (the sum of the values reported), averaged over the metrics that
  had usage in the earlier half. Usage that starts from nothing has no trend.
- ``days_since_touch``: days since the last touch, over all history. A *touch* is
  any signal except a late payment: the customer, or we, did something with the
  account (a meeting, an order, an answer, a complaint, a ticket, usage…); a late
  payment is the absence of something.
- ``late_payments``: late payments in the window.
- ``late_commitments``: promises still open past their due time, now. There is
  data when the account has a commitment due in the window or still open.

A count (complaints, late payments) is a real zero only when we heard from the
account in that window at all: with no signal in the window there is no data, so
an account we know nothing about does not look perfect.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Avg, Count, F, Max, Min, Q, Sum, Window
from django.db.models.functions import RowNumber, TruncDate

from amends.accounts.models import Account
from amends.health.models import FactorKey
from amends.health.scoring import SEGMENT_COMPLAINT_DAYS, FactorSpec
from amends.recovery.models import Commitment, CommitmentStatus
from amends.signals.models import Signal, SignalKind


@dataclass(slots=True)
class AccountFacts:
    id: int
    team_id: int
    kind: str
    tier: str
    lifecycle: str
    annual_value: Decimal
    currency: str
    measures: dict[str, float | None] = field(default_factory=dict)
    nps_received_at: datetime | None = None
    last_touch_at: datetime | None = None
    complaints_90: int = 0
    referred: bool = False
    # Days with an order, the first and the last order; None without orders.
    orders: tuple[int, datetime, datetime] | None = None

    @property
    def has_data(self) -> bool:
        return any(value is not None for value in self.measures.values())


def _raw(queryset) -> list[tuple]:
    """The rows of a values_list query as the database sends them: Django's per-value
    converters cost more than the query here (100,000 rows), so the few values that
    need it are converted by the caller (``_when``, ``float``)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _when(value) -> datetime | None:
    """A datetime from the database: PostgreSQL sends an aware one; SQLite sends UTC,
    naive, or as text when it comes out of an aggregate."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _windows(specs: list[FactorSpec]) -> dict[str, int]:
    defaults = {key: 90 for key in FactorKey.values}
    return defaults | {spec.key: spec.window_days for spec in specs}


def _signals(now: datetime):
    # Signals stamped in the future (a clock ahead somewhere) wait for their time.
    return Signal.objects.filter(at__lte=now).order_by()


class UtcDate(TruncDate):
    """The UTC day of a datetime. On SQLite, which stores UTC text, its own date()
    rather than Django's per-row Python function: many times faster on many orders."""

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"date({sql})", params


COUNTS = [
    "complaints",
    "heard_complaints",
    "complaints_90",
    "late",
    "heard_late",
    "last_touch",
    "referrals",
    "order_days",
    "first_order",
    "last_order",
]


@dataclass(slots=True)
class Counts:
    complaints: int
    heard_complaints: int
    complaints_90: int
    late: int
    heard_late: int
    last_touch: datetime | None
    referrals: int
    order_days: int
    first_order: datetime | None
    last_order: datetime | None


def _per_account_counts(now: datetime, window: dict[str, int]) -> dict[int, Counts]:
    """One pass over (account, kind, at): the counts and the last touch."""
    since_complaints = now - timedelta(days=window[FactorKey.COMPLAINTS])
    since_late = now - timedelta(days=window[FactorKey.LATE_PAYMENTS])
    since_segment = now - timedelta(days=SEGMENT_COMPLAINT_DAYS)
    query = (
        _signals(now)
        .values("account_id")
        .annotate(
            complaints=Count("pk", filter=Q(kind=SignalKind.COMPLAINT, at__gte=since_complaints)),
            heard_complaints=Count("pk", filter=Q(at__gte=since_complaints)),
            complaints_90=Count("pk", filter=Q(kind=SignalKind.COMPLAINT, at__gte=since_segment)),
            late=Count("pk", filter=Q(kind=SignalKind.LATE_PAYMENT, at__gte=since_late)),
            heard_late=Count("pk", filter=Q(at__gte=since_late)),
            last_touch=Max("at", filter=~Q(kind=SignalKind.LATE_PAYMENT)),
            referrals=Count("pk", filter=Q(kind=SignalKind.REFERRAL)),
            # Order history, for the consumer buyers' model: days with an order, first, last.
            order_days=Count(
                UtcDate("at", tzinfo=UTC), distinct=True, filter=Q(kind=SignalKind.ORDER)
            ),
            first_order=Min("at", filter=Q(kind=SignalKind.ORDER)),
            last_order=Max("at", filter=Q(kind=SignalKind.ORDER)),
        )
        .values_list("account_id", *COUNTS)
    )
    found = {}
    for account, *values in _raw(query):
        counts = Counts(*values)
        counts.last_touch = _when(counts.last_touch)
        counts.first_order = _when(counts.first_order)
        counts.last_order = _when(counts.last_order)
        found[account] = counts
    return found


def _latest_nps(now: datetime, days: int) -> dict[int, tuple[float, datetime]]:
    ranked = (
        _signals(now)
        .filter(kind=SignalKind.NPS, at__gte=now - timedelta(days=days), value__isnull=False)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("account_id")],
                order_by=[F("at").desc(), F("pk").desc()],
            )
        )
        .filter(rank=1)
        .values_list("account_id", "value", "created_at")
    )
    return {account: (float(value), _when(received)) for account, value, received in _raw(ranked)}


def _average_csat(now: datetime, days: int) -> dict[int, float]:
    rows = (
        _signals(now)
        .filter(kind=SignalKind.CSAT, at__gte=now - timedelta(days=days), value__isnull=False)
        .values("account_id")
        .annotate(average=Avg("value"))
        .values_list("account_id", "average")
    )
    return {account: float(average) for account, average in _raw(rows)}


def _usage_trend(now: datetime, days: int) -> dict[int, float]:
    start, middle = now - timedelta(days=days), now - timedelta(days=days / 2)
    rows = (
        _signals(now)
        .filter(kind=SignalKind.USAGE, at__gte=start, value__isnull=False)
        .values("account_id", "metric")
        .annotate(
            recent=Sum("value", filter=Q(at__gte=middle)),
            before=Sum("value", filter=Q(at__lt=middle)),
        )
        .values_list("account_id", "recent", "before")
    )
    trends: dict[int, list[float]] = {}
    for account, recent, before in _raw(rows):
        if before and before > 0:
            recent, before = float(recent or 0), float(before)
            trends.setdefault(account, []).append((recent - before) / before * 100)
    return {account: sum(values) / len(values) for account, values in trends.items()}


def _late_commitments(now: datetime, days: int) -> dict[int, int]:
    open_ = Q(status=CommitmentStatus.OPEN)
    rows = (
        Commitment.objects.filter(open_ | Q(due_at__gte=now - timedelta(days=days)))
        .order_by()
        .values("case__account_id")
        .annotate(late=Count("pk", filter=open_ & Q(due_at__lt=now)))
        .values_list("case__account_id", "late")
    )
    return dict(rows)


def account_facts_collect(*, now: datetime, specs: list[FactorSpec]) -> dict[int, AccountFacts]:
    """Every account heard from, with its measures as of ``now``, keyed by id. An
    account without any signal or commitment is left out: it has nothing to score."""
    window = _windows(specs)
    counts = _per_account_counts(now, window)
    nps = _latest_nps(now, window[FactorKey.NPS])
    csat = _average_csat(now, window[FactorKey.CSAT])
    usage = _usage_trend(now, window[FactorKey.USAGE_TREND])
    late_commitments = _late_commitments(now, window[FactorKey.LATE_COMMITMENTS])
    facts: dict[int, AccountFacts] = {}
    accounts = Account.objects.order_by().values_list(
        "id", "team_id", "kind", "tier", "lifecycle", "annual_value", "currency"
    )
    for account_id, team_id, kind, tier, lifecycle, value, currency in accounts.iterator(5000):
        row = counts.get(account_id)
        latest = nps.get(account_id)
        if row is None and latest is None and account_id not in late_commitments:
            continue  # not a signal ever, not a promise: nothing to score (see has_data)
        last_touch = row.last_touch if row else None
        measures: dict[str, float | None] = {
            FactorKey.NPS: latest[0] if latest else None,
            FactorKey.CSAT: csat.get(account_id),
            FactorKey.COMPLAINTS: row.complaints if row and row.heard_complaints else None,
            FactorKey.USAGE_TREND: usage.get(account_id),
            FactorKey.DAYS_SINCE_TOUCH: (
                max(0, (now - last_touch).days) if last_touch is not None else None
            ),
            FactorKey.LATE_PAYMENTS: row.late if row and row.heard_late else None,
            FactorKey.LATE_COMMITMENTS: late_commitments.get(account_id),
        }
        facts[account_id] = AccountFacts(
            id=account_id,
            team_id=team_id,
            kind=kind,
            tier=tier,
            lifecycle=lifecycle,
            annual_value=value,
            currency=currency,
            measures=measures,
            nps_received_at=latest[1] if latest else None,
            last_touch_at=last_touch,
            complaints_90=row.complaints_90 if row else 0,
            referred=bool(row and row.referrals),
            orders=(row.order_days, row.first_order, row.last_order)
            if row and row.order_days
            else None,
        )
    return facts
