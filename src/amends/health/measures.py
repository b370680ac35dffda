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

How they are read: the figures that only some accounts have (the latest NPS answer,
the CSAT average, the usage trend, late promises, the consumer buyers' orders) once
for the whole book, a dictionary each; the counts every account has, and the
accounts themselves, a range of accounts at a time (``ChunkReader``), so that the
rescore holds one chunk of accounts in memory, never the whole book.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Avg, Count, F, Max, Min, Q, Sum, Window
from django.db.models.functions import RowNumber, TruncDate

from amends.accounts.models import Account, Kind
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


def _per_account_counts(
    now: datetime, window: dict[str, int], first: int, last: int
) -> dict[int, Counts]:
    """The counts and the last touch of the accounts ``first`` to ``last`` (ids): one
    pass over that range of the (account, kind, at) index, which holds all it reads."""
    since_complaints = now - timedelta(days=window[FactorKey.COMPLAINTS])
    since_late = now - timedelta(days=window[FactorKey.LATE_PAYMENTS])
    since_segment = now - timedelta(days=SEGMENT_COMPLAINT_DAYS)
    query = (
        _signals(now)
        .filter(account_id__gte=first, account_id__lte=last)
        .values("account_id")
        .annotate(
            complaints=Count("pk", filter=Q(kind=SignalKind.COMPLAINT, at__gte=since_complaints)),
            heard_complaints=Count("pk", filter=Q(at__gte=since_complaints)),
            complaints_90=Count("pk", filter=Q(kind=SignalKind.COMPLAINT, at__gte=since_segment)),
            late=Count("pk", filter=Q(kind=SignalKind.LATE_PAYMENT, at__gte=since_late)),
            heard_late=Count("pk", filter=Q(at__gte=since_late)),
            last_touch=Max("at", filter=~Q(kind=SignalKind.LATE_PAYMENT)),
            referrals=Count("pk", filter=Q(kind=SignalKind.REFERRAL)),
        )
        .values_list("account_id", *COUNTS)
    )
    found = {}
    for account, *values in _raw(query):
        counts = Counts(*values)
        counts.last_touch = _when(counts.last_touch)
        found[account] = counts
    return found


# A consumer buyer's orders: (account, days with an order, the first, the last).
Orders = tuple[int, int, datetime, datetime]


def consumer_orders(now: datetime) -> dict[int, list[Orders]]:
    """Each team's consumer accounts with an order, in the order of their ids: the
    history the buyers' model is fitted on. Orders of business accounts are not read:
    counting their distinct days cost a rescore of 100,000 accounts 0.5 s."""
    consumers = Account.objects.filter(kind=Kind.CONSUMER).order_by().values("pk")
    # The consumers as a subquery (the team joined for the answer only): SQLite then
    # walks the orders by their index, where a filter on the joined account's kind made
    # it walk the accounts, 3.5 s against 0.6 s on the bench.
    query = (
        _signals(now)
        .filter(kind=SignalKind.ORDER, account_id__in=consumers)
        .values("account_id", "account__team_id")
        .annotate(
            days=Count(UtcDate("at", tzinfo=UTC), distinct=True),
            first=Min("at"),
            last=Max("at"),
        )
        .values_list("account_id", "account__team_id", "days", "first", "last")
        .order_by("account_id")
    )
    teams: dict[int, list[Orders]] = {}
    for account, team, days, first, last in _raw(query):
        teams.setdefault(team, []).append((account, days, _when(first), _when(last)))
    return teams


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


@dataclass(frozen=True)
class Book:
    """The figures only some accounts have, read once for every account."""

    window: dict[str, int]
    nps: dict[int, tuple[float, datetime | None]]
    csat: dict[int, float]
    usage: dict[int, float]
    late_commitments: dict[int, int]

    @classmethod
    def read(cls, *, now: datetime, specs: list[FactorSpec]) -> "Book":
        window = _windows(specs)
        return cls(
            window=window,
            nps=_latest_nps(now, window[FactorKey.NPS]),
            csat=_average_csat(now, window[FactorKey.CSAT]),
            usage=_usage_trend(now, window[FactorKey.USAGE_TREND]),
            late_commitments=_late_commitments(now, window[FactorKey.LATE_COMMITMENTS]),
        )


# id, team, kind, tier, lifecycle, annual value, currency, the band and segment its
# row keeps from the rescore before, and its name (the order its row's band and
# segment are written in, see services._write_chunk).
AccountRow = tuple[int, int, str, str, str, Decimal, str, str, str, str]
ACCOUNT_FIELDS = [
    "id",
    "team_id",
    "kind",
    "tier",
    "lifecycle",
    "annual_value",
    "currency",
    "health_band",
    "health_segment",
    "name",
]


def account_chunks(size: int) -> Iterator[list[AccountRow]]:
    """Every account, ``size`` at a time in the order of their ids: each chunk is a
    query of its own (the ids after the last one read), so nothing is left open on
    the connection while the rescore writes."""
    # The annual values as the ORM converts them (a Decimal of two places), once each.
    column = Account._meta.get_field("annual_value").get_col(Account._meta.db_table)
    converters = connection.ops.get_db_converters(column)
    money: dict[object, Decimal] = {}
    after = 0
    while True:
        query = (
            Account.objects.filter(pk__gt=after).order_by("pk").values_list(*ACCOUNT_FIELDS)[:size]
        )
        rows = _raw(query)
        if not rows:
            return
        chunk = []
        for row in rows:
            value = money.get(row[5])
            if value is None:
                value = row[5]
                for converter in converters:
                    value = converter(value, column, connection)
                if len(money) < 10_000:
                    money[row[5]] = value
            chunk.append((*row[:5], value, *row[6:]))
        yield chunk
        if len(rows) < size:
            return
        after = rows[-1][0]


def account_facts(chunk: list[AccountRow], *, book: Book, now: datetime) -> Iterator[AccountFacts]:
    """The facts of each account of ``chunk`` heard from; an account without any
    signal or commitment is left out: it has nothing to score."""
    counts = _per_account_counts(now, book.window, chunk[0][0], chunk[-1][0])
    nps, csat, usage, late_commitments = book.nps, book.csat, book.usage, book.late_commitments
    for account_id, team_id, kind, tier, lifecycle, value, currency, *_ in chunk:
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
        yield AccountFacts(
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
        )
