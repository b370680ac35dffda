"""Writes: the full rescore of every account, and the daily one the worker runs.

A rescore reads the measures in bulk (``measures.py``): the figures only some
accounts have once, then the book CHUNK accounts at a time, each chunk's counts in
one GROUP BY over its range of the signals' index, with its history (the scores
before, the snapshots a week and a fall window ago). It scores each chunk
(``scoring.py``: 0-100, **high = healthy**), detects cooling, uses the consumer
buyers' forecasts (``consumers.py``, fitted first), and writes the chunk's scores and
today's snapshots with one ``INSERT … ON CONFLICT … DO UPDATE`` per table, sent with
executemany, before it reads the next: memory stays that of one chunk, whatever the
size of the book. Every chunk is written in one transaction. Last, the at-risk
rules open thaw cases (``rules.py``).

Cooling, stored as a list on ``AccountHealth.cooling``:

- **falling**: the score is ``fall_points`` or more below the snapshot of
  ``fall_window_days`` days ago (the latest one at or before that day; while the
  history is shorter, the oldest one there is).
- **silent**: no touch (any signal but a late payment) for ``silence_days`` days
  or more. Not for consumer accounts that order: they are quiet between orders by
  nature, and judged by the next kind instead.
- **lapsing**: a consumer buyer whose probability of still being active (BG/NBD,
  fitted per team) is below ``p_alive_below``.

The trend compares the score with the snapshot at least seven days older.
"""

import gc
import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from amends.accounts.models import Account, Tier
from amends.health.consumers import ConsumerForecasts, consumer_forecasts
from amends.health.measures import (
    AccountFacts,
    AccountRow,
    Book,
    account_chunks,
    account_facts,
    consumer_orders,
)
from amends.health.models import (
    AccountHealth,
    Band,
    FactorKey,
    HealthFactor,
    HealthSettings,
    HealthSnapshot,
    RevenueAtRisk,
    Segment,
)
from amends.health.rollups import health_days_write
from amends.health.rules import CLOSED_LIFECYCLES as CLOSED
from amends.health.rules import Assessment, at_risk_cases_open
from amends.health.scoring import (
    DETRACTOR,
    FALLING,
    LAPSING,
    SILENT,
    FactorSpec,
    Scorer,
    band_for,
    nps_category,
    segment_for,
    trend_for,
)
from amends.health.upsert import EncodedJSON, upsert

TREND_DAYS = 7
CHUNK = 5000  # accounts read, scored and written at a time
RESCORE_CACHE_KIB = -8000  # SQLite's page cache during a rescore (see _small_page_cache)
NO_COOLING = EncodedJSON("[]")  # most accounts: written without the encoder
# A worker that claimed the daily rescore and died is replaced after this long.
CLAIM_TIMEOUT = timedelta(hours=1)


@dataclass
class RescoreResult:
    scored: int = 0
    unscored: int = 0
    bands: Counter = field(default_factory=Counter)
    segments: Counter = field(default_factory=Counter)
    cooling: int = 0
    forecasts: int = 0
    teams_fitted: int = 0
    cases_opened: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def summary(self) -> str:
        bands = ", ".join(f"{self.bands[b]} {b}" for b in ("green", "yellow", "red"))
        segments = ", ".join(f"{n} {s}" for s, n in sorted(self.segments.items()))
        return (
            f"{self.scored} account(s) scored ({bands}); {self.unscored} without data; "
            f"segments: {segments or 'none'}; {self.cooling} cooling; "
            f"{self.forecasts} consumer forecast(s) from {self.teams_fitted} team fit(s); "
            f"{self.cases_opened} thaw case(s) opened; {self.total_seconds:.2f} s"
        )


def factor_specs() -> list[FactorSpec]:
    factors = HealthFactor.objects.filter(enabled=True).prefetch_related("tier_weights")
    return [
        FactorSpec(
            key=f.key,
            mapping=f.mapping,
            weight=f.weight,
            thresholds=f.thresholds,
            linear_worst=f.linear_worst,
            linear_best=f.linear_best,
            window_days=f.window_days,
            tier_weights={w.tier: w.weight for w in f.tier_weights.all()},
        )
        for f in factors
    ]


def _days_before(today: date, fall_window_days: int) -> tuple[date | None, date | None]:
    """The snapshot days the rescore compares with, in one query: a week ago (the
    trend) and the start of the fall window (the latest day on or before each)."""
    week = today - timedelta(days=TREND_DAYS)
    fall = today - timedelta(days=fall_window_days)
    days = HealthSnapshot.objects.filter(day__lt=today).aggregate(
        week=Max("day", filter=Q(day__lte=week)),
        fall=Max("day", filter=Q(day__lte=fall)),
        first=Min("day"),
    )
    # A history shorter than the window: a fall since its start is a fall within it.
    return days["week"], days["fall"] or days["first"]


def _cooling(
    facts: AccountFacts,
    score: int,
    settings: HealthSettings,
    fall: tuple[date | None, int | None],
    today: date,
    consumers: ConsumerForecasts,
) -> list[dict]:
    found = []
    fall_day, then = fall
    # No fall_day, no score then: a score then always has its day.
    if then is not None and fall_day is not None and then - score >= settings.fall_points:
        found.append({"kind": FALLING, "points": then - score, "days": (today - fall_day).days})
    silent_days = facts.measures.get(FactorKey.DAYS_SINCE_TOUCH)
    if (
        facts.id not in consumers.buyers
        and silent_days is not None
        and silent_days >= settings.silence_days
    ):
        found.append({"kind": SILENT, "days": int(silent_days)})
    forecast = consumers.forecasts.get(facts.id)
    if forecast is not None and forecast.p_alive < settings.p_alive_below:
        found.append({"kind": LAPSING, "p_alive": round(forecast.p_alive, 3)})
    return found


HEALTH_COLUMNS = [
    "account",
    "score",
    "band",
    "segment",
    "nps_category",
    "factors",
    "last_touch_at",
    "p_alive",
    "expected_purchases",
    "cooling",
    "previous_score",
    "trend",
    "scored_at",
]

SNAPSHOT_COLUMNS = ["account", "day", "score", "band", "segment"]


def _raw(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _json(value: Any) -> Any:
    """A JSON column's value as read with a plain cursor: text on SQLite, decoded on
    PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class Past:
    """What the rescore compares a chunk of accounts with: their previous scores and
    snapshots."""

    band: dict[int, str]
    segment: dict[int, str]
    cooling: dict[int, set[str]]
    week_ago: dict[int, int]
    fall_day: date | None
    fall: dict[int, int]

    @classmethod
    def read(cls, first: int, last: int, week_day: date | None, fall_day: date | None) -> "Past":
        quote = connection.ops.quote_name
        band, segment, cooling = {}, {}, {}
        health = quote(AccountHealth._meta.db_table)
        for account_id, was, was_in, entries in _raw(
            f"SELECT account_id, band, segment, cooling FROM {health} "  # noqa: S608 - names from the model
            "WHERE account_id >= %s AND account_id <= %s",
            [first, last],
        ):
            band[account_id], segment[account_id] = was, was_in
            if entries != "[]":
                kinds = {entry.get("kind") for entry in _json(entries)}
                if kinds:
                    cooling[account_id] = kinds

        def scores_on(day: date | None) -> dict[int, int]:
            if day is None:
                return {}
            return dict(
                HealthSnapshot.objects.filter(day=day, account_id__gte=first, account_id__lte=last)
                .order_by()
                .values_list("account_id", "score")
            )

        return cls(
            band=band,
            segment=segment,
            cooling=cooling,
            week_ago=scores_on(week_day),
            fall_day=fall_day,
            fall=scores_on(fall_day),
        )


@dataclass
class Scores:
    """A chunk's scores, before they are written."""

    health: list[tuple] = field(default_factory=list)
    snapshots: list[tuple] = field(default_factory=list)
    # account -> (band, segment) for the account's row.
    marks: dict[int, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Totals:
    """What the rescore keeps of every chunk."""

    assessments: list[Assessment] = field(default_factory=list)
    # (team, currency) -> [annual value, accounts] of the accounts at risk.
    at_risk: dict[tuple[int, str], list] = field(default_factory=dict)


@dataclass(frozen=True)
class Scoring:
    """What scoring every chunk shares."""

    scorer: Scorer
    weights: dict[str, list[int]]
    settings: HealthSettings
    consumers: ConsumerForecasts
    now: datetime
    today: date


def _score_chunk(
    facts: list[AccountFacts], past: Past, how: Scoring, totals: Totals, result: RescoreResult
) -> Scores:
    scorer, weights, settings, consumers, now, today = (
        how.scorer,
        how.weights,
        how.settings,
        how.consumers,
        how.now,
        how.today,
    )
    out = Scores()
    for f in facts:
        tier_weights = weights.get(f.tier)
        if tier_weights is None:  # a tier the choices do not name
            tier_weights = weights[f.tier] = [spec.weight_for(f.tier) for spec in scorer.specs]
        score, factors = scorer.score(f.measures, tier_weights)
        if score is None:
            continue
        band = band_for(score, settings)
        nps = f.measures[FactorKey.NPS]
        category = nps_category(nps)
        days = f.measures[FactorKey.DAYS_SINCE_TOUCH]
        segment = segment_for(
            category=category,
            complaints=f.complaints_90,
            referred=f.referred,
            days_since_touch=None if days is None else int(days),
            settings=settings,
        )
        fall = (past.fall_day, past.fall.get(f.id))
        cooling = _cooling(f, score, settings, fall, today, consumers)
        forecast = consumers.forecasts.get(f.id)
        before = past.week_ago.get(f.id)
        out.health.append(
            (
                f.id,
                score,
                band,
                segment,
                category,
                EncodedJSON(factors),
                f.last_touch_at,
                forecast.p_alive if forecast else None,
                forecast.expected_purchases if forecast else None,
                cooling or NO_COOLING,
                before,
                trend_for(score, before),
                now,
            )
        )
        out.snapshots.append((f.id, today, score, band, segment))
        out.marks[f.id] = (band, segment)
        result.bands[band] += 1
        result.segments[segment] += 1
        result.cooling += bool(cooling)
        if (band == Band.RED or segment == Segment.AT_RISK) and f.lifecycle not in CLOSED:
            total = totals.at_risk.setdefault((f.team_id, f.currency), [Decimal(0), 0])
            total[0] += f.annual_value
            total[1] += 1
        known = past.cooling.get(f.id, ())
        new_cooling = [entry for entry in cooling if entry["kind"] not in known]
        if band == Band.RED or new_cooling or category == DETRACTOR:
            totals.assessments.append(
                Assessment(
                    account_id=f.id,
                    annual_value=f.annual_value,
                    lifecycle=f.lifecycle,
                    score=score,
                    band=band,
                    previous_band=past.band.get(f.id),
                    nps=nps,
                    nps_received_at=f.nps_received_at,
                    new_cooling=new_cooling,
                )
            )
    return out


def _write_chunk(chunk: list[AccountRow], scores: Scores, past: Past, today: date) -> None:
    """Write a chunk's scores and snapshots, the band and segment on the rows of its
    accounts that changed, and drop the scores of those no longer scored."""
    # A score whose band and segment stay is written without them: an UPDATE that sets
    # them rewrites their two indexes even with the same values (1.11 s against 0.93 s
    # for the 87,690 scores of the bench's next day, in SQLite alone).
    stayed: list[tuple[Any, ...]] = []
    moved: list[tuple[Any, ...]] = []
    for row in scores.health:
        same = past.band.get(row[0]) == row[2] and past.segment.get(row[0]) == row[3]
        (stayed if same else moved).append(row)
    upsert(AccountHealth, HEALTH_COLUMNS, ["account"], moved)
    upsert(AccountHealth, HEALTH_COLUMNS, ["account"], stayed, unchanged=("band", "segment"))
    upsert(HealthSnapshot, SNAPSHOT_COLUMNS, ["account", "day"], scores.snapshots)
    marks, unscored = scores.marks, ("", "")
    # The account list filters by these columns of the account's own row. They are
    # written in the order of the accounts' names: each lives in an index by (band or
    # segment, name, id), and in that order each UPDATE's index entries are next to the
    # last one's, where the order of ids sends them anywhere in two indexes bigger than
    # the rescore's page cache (1.3 s against 0.95 s of CPU for the bench's 87,690
    # first marks, in SQLite alone).
    changed = [
        (*new, row[0], row[9])
        for row in chunk
        if (new := marks.get(row[0], unscored)) != (row[7], row[8])
    ]
    changed.sort(key=itemgetter(3))
    if changed:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(Account._meta.db_table)} "  # noqa: S608 - names from the model
                f"SET {quote('health_band')} = %s, {quote('health_segment')} = %s "
                f"WHERE {quote('id')} = %s",
                [row[:3] for row in changed],
            )
    gone = [account_id for account_id in past.band if account_id not in marks]
    if gone:
        # Their data has aged out of every window: no score is better than a stale one.
        AccountHealth.objects.filter(account_id__in=gone).delete()
        HealthSnapshot.objects.filter(account_id__in=gone, day=today).delete()


def _write_totals(totals: Totals, *, settings: HealthSettings, now: datetime) -> None:
    health_days_write([timezone.localdate(now)])
    RevenueAtRisk.objects.all().delete()
    RevenueAtRisk.objects.bulk_create(
        RevenueAtRisk(team_id=team, currency=currency, total=total, accounts=count, computed_at=now)
        for (team, currency), (total, count) in totals.at_risk.items()
    )
    HealthSettings.objects.filter(pk=settings.pk).update(rescored_at=now, rescore_started_at=None)


@contextmanager
def _small_page_cache() -> Iterator[None]:
    """SQLite's page cache at 8 MB while the rescore runs (32 MB otherwise): it reads
    each page of the signals once, so a bigger cache saves it nothing and only holds
    memory (the rescore of 100,000 accounts peaked at 205 MB with 32, 181 with 8, in
    the same time)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (size,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {RESCORE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(size)}")


@contextmanager
def _rare_garbage_collection() -> Iterator[None]:
    """A rescore makes millions of short-lived objects and no reference cycles, which
    refcounting frees: the cyclic collector, run every 2,000 new objects, only rescans
    what the rescore holds (the book's figures, the assessments), again and again (a
    quarter of the time on the bench when every account's facts were held)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 500_000), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def health_rescore(*, now: datetime | None = None, rules: bool = True) -> RescoreResult:
    """Score every account now, write the scores and today's snapshots, apply the rules.
    The figures only some accounts have are read, and the buyers' model fitted, outside
    any transaction; the accounts are read, scored and written chunk by chunk in one;
    the rules open cases in another."""
    with _rare_garbage_collection(), _small_page_cache():
        return _rescore(now=now or timezone.now(), rules=rules)


def _rescore(*, now: datetime, rules: bool) -> RescoreResult:
    result = RescoreResult()
    spent: defaultdict[str, float] = defaultdict(float)
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        spent[name] += time.perf_counter() - clock
        clock = time.perf_counter()

    settings = HealthSettings.current()
    specs = factor_specs()
    book = Book.read(now=now, specs=specs)
    lap("measures")
    consumers = consumer_forecasts(now=now, histories=consumer_orders(now))
    result.forecasts, result.teams_fitted = len(consumers.forecasts), consumers.teams_fitted
    lap("buyers")
    today = timezone.localdate(now)
    week_day, fall_day = _days_before(today, settings.fall_window_days)
    how = Scoring(
        scorer=Scorer(specs),
        weights={tier: [spec.weight_for(tier) for spec in specs] for tier in Tier.values},
        settings=settings,
        consumers=consumers,
        now=now,
        today=today,
    )
    totals = Totals()
    accounts = 0
    lap("history")
    with transaction.atomic():
        for chunk in account_chunks(CHUNK):
            accounts += len(chunk)
            facts = list(account_facts(chunk, book=book, now=now))
            lap("measures")
            past = Past.read(chunk[0][0], chunk[-1][0], week_day, fall_day)
            lap("history")
            scores = _score_chunk(facts, past, how, totals, result)
            result.scored += len(scores.health)
            lap("score")
            _write_chunk(chunk, scores, past, today)
            lap("write")
        _write_totals(totals, settings=settings, now=now)
        lap("write")
    result.unscored = accounts - result.scored
    # The very first rescore is the baseline: with nothing before it, nothing is *newly*
    # at risk, and a book of 100,000 accounts must not open a case for every red one.
    if rules and settings.rescored_at is not None:
        result.cases_opened = at_risk_cases_open(
            assessments=totals.assessments, since=settings.rescored_at, now=now
        )
        lap("rules")
    result.seconds = {name: round(seconds, 3) for name, seconds in spent.items()}
    return result


def health_rescore_daily(*, now: datetime | None = None) -> RescoreResult | None:
    """The worker's rescore: once per day (in AMENDS_TIME_ZONE), by whichever worker
    claims it first with a compare-and-set update; None when today's is done or running."""
    now = now or timezone.now()
    settings = HealthSettings.current()
    midnight = timezone.make_aware(
        datetime.combine(timezone.localdate(now), datetime.min.time()),
        timezone.get_current_timezone(),
    )
    claimed = (
        HealthSettings.objects.filter(pk=settings.pk)
        .filter(Q(rescored_at__isnull=True) | Q(rescored_at__lt=midnight))
        .filter(Q(rescore_started_at__isnull=True) | Q(rescore_started_at__lt=now - CLAIM_TIMEOUT))
        .update(rescore_started_at=now)
    )
    if not claimed:
        return None
    return health_rescore(now=now)
