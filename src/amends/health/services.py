"""Writes: the full rescore of every account, and the daily one the worker runs.

A rescore reads every account's measures in bulk (``measures.py``), scores them
(``scoring.py``: 0-100, **high = healthy**), detects cooling, forecasts consumer
buyers (``consumers.py``), then writes the latest score of each account and today's
snapshot with one ``INSERT … ON CONFLICT … DO UPDATE`` per table, sent with
executemany, and finally lets the at-risk rules open thaw cases (``rules.py``).

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
import itertools
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from amends.accounts.models import Account, Tier
from amends.health.consumers import ConsumerForecasts, consumer_forecasts
from amends.health.measures import AccountFacts, account_facts_collect
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
    band_for,
    nps_category,
    score_compute,
    segment_for,
    trend_for,
)

TREND_DAYS = 7
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


def _scores_on(day: date | None) -> dict[int, int]:
    if day is None:
        return {}
    return dict(
        HealthSnapshot.objects.filter(day=day).order_by().values_list("account_id", "score")
    )


def _past_scores(
    today: date, fall_window_days: int
) -> tuple[dict[int, int], tuple[date | None, dict[int, int]]]:
    """The scores a week ago (for the trend) and at the start of the fall window."""
    before = HealthSnapshot.objects.filter(day__lt=today).order_by()

    def latest_on_or_before(day: date) -> date | None:
        latest: date | None = before.filter(day__lte=day).aggregate(day=Max("day"))["day"]
        return latest

    week_day = latest_on_or_before(today - timedelta(days=TREND_DAYS))
    fall_day = latest_on_or_before(today - timedelta(days=fall_window_days))
    if fall_day is None:
        # A history shorter than the window: a fall since its start is a fall within it.
        fall_day = before.aggregate(day=Min("day"))["day"]
    return _scores_on(week_day), (fall_day, _scores_on(fall_day))


def _cooling(
    facts: AccountFacts,
    score: int,
    settings: HealthSettings,
    fall: tuple[date | None, dict[int, int]],
    today: date,
    consumers: ConsumerForecasts,
) -> list[dict]:
    found = []
    fall_day, fall_scores = fall
    then = fall_scores.get(facts.id)
    # No fall_day, no fall_scores: a score then always has its day.
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


class CompactJSON(json.JSONEncoder):
    def __init__(self, **options: Any) -> None:
        super().__init__(**{**options, "separators": (",", ":")})


def _as_it_is(value: Any) -> Any:
    return value


def _preparer(f: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a value of the field is sent to this database; None when as it is. The
    backend's adapters directly: the field's own checks cost more than the insert."""
    ops = connection.ops
    if isinstance(f, models.JSONField):
        if connection.vendor == "sqlite":
            # SQLite keeps JSON as text: what adapt_json_value does, with one encoder.
            return CompactJSON().encode
        return lambda value: ops.adapt_json_value(value, CompactJSON)
    if isinstance(f, models.DateTimeField | models.DateField):
        adapt = (
            ops.adapt_datetimefield_value
            if isinstance(f, models.DateTimeField)
            else ops.adapt_datefield_value
        )
        last: list = [object(), None]

        def once(value: Any) -> Any:
            # The rescore's own time and today's date are the same object on every row.
            if value is not last[0]:
                last[:] = [value, adapt(value)]
            return last[1]

        return once
    return None


def _with_columns(
    model: type[models.Model], names: list[str]
) -> list[tuple[models.Field[Any, Any], str]]:
    """The model's fields by these names, each with its column."""
    found = []
    for name in names:
        f = model._meta.get_field(name)
        if not isinstance(f, models.Field) or f.column is None:
            raise TypeError(f"{model._meta.label}.{name} has no column of its own.")
        found.append((f, f.column))
    return found


def _upsert(model: type[models.Model], columns: list[str], key: list[str], rows: list) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE, sent in batches with executemany.
    The same statement runs on SQLite (3.24 and later) and PostgreSQL."""
    meta, quote = model._meta, connection.ops.quote_name
    fields = _with_columns(model, columns)
    names = [quote(column) for _, column in fields]
    key_columns = {column for _, column in _with_columns(model, key)}
    updates = ", ".join(
        f"{name} = excluded.{name}"
        for (_, column), name in zip(fields, names, strict=True)
        if column not in key_columns
    )
    # Only names from the model's own meta are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(names)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(names))}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in sorted(key_columns))}) DO UPDATE SET {updates}"
    )
    prepare = [_preparer(f) or _as_it_is for f, _ in fields]
    with connection.cursor() as cursor:
        for batch in itertools.batched(rows, 5000):
            cursor.executemany(
                sql, [[p(v) for p, v in zip(prepare, row, strict=True)] for row in batch]
            )


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


@dataclass(frozen=True)
class Past:
    """What the rescore compares with: the previous scores and the snapshots."""

    band: dict[int, str]
    cooling: dict[int, set[str]]
    week_ago: dict[int, int]
    fall: tuple[date | None, dict[int, int]]

    @classmethod
    def read(cls, today: date, settings: HealthSettings) -> "Past":
        week_ago, fall = _past_scores(today, settings.fall_window_days)
        band = dict(AccountHealth.objects.order_by().values_list("account_id", "band"))
        cooling = {
            account_id: {entry.get("kind") for entry in entries}
            for account_id, entries in AccountHealth.objects.exclude(cooling=[])
            .order_by()
            .values_list("account_id", "cooling")
        }
        return cls(band=band, cooling=cooling, week_ago=week_ago, fall=fall)


@dataclass
class Scores:
    """The rescore's output, before it is written."""

    health: list[tuple] = field(default_factory=list)
    snapshots: list[tuple] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    # (team, currency) -> [annual value, accounts] of the accounts at risk.
    at_risk: dict[tuple[int, str], list] = field(default_factory=dict)


def _score_all(
    facts: dict[int, AccountFacts],
    *,
    specs: list[FactorSpec],
    settings: HealthSettings,
    consumers: ConsumerForecasts,
    past: Past,
    now: datetime,
    result: RescoreResult,
) -> Scores:
    today = timezone.localdate(now)
    out = Scores()
    weights = {tier: [spec.weight_for(tier) for spec in specs] for tier in Tier.values}
    for f in facts.values():
        scored = score_compute(specs, f.measures, f.tier, weights=weights.get(f.tier))
        if scored.score is None:
            continue
        score, band = scored.score, band_for(scored.score, settings)
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
        cooling = _cooling(f, score, settings, past.fall, today, consumers)
        forecast = consumers.forecasts.get(f.id)
        before = past.week_ago.get(f.id)
        out.health.append(
            (
                f.id,
                score,
                band,
                segment,
                category,
                scored.factors,
                f.last_touch_at,
                forecast.p_alive if forecast else None,
                forecast.expected_purchases if forecast else None,
                cooling,
                before,
                trend_for(score, before),
                now,
            )
        )
        out.snapshots.append((f.id, today, score, band, segment))
        result.bands[band] += 1
        result.segments[segment] += 1
        result.cooling += bool(cooling)
        if (band == Band.RED or segment == Segment.AT_RISK) and f.lifecycle not in CLOSED:
            total = out.at_risk.setdefault((f.team_id, f.currency), [Decimal(0), 0])
            total[0] += f.annual_value
            total[1] += 1
        known = past.cooling.get(f.id, ())
        new_cooling = [entry for entry in cooling if entry["kind"] not in known]
        if band == Band.RED or new_cooling or category == DETRACTOR:
            out.assessments.append(
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


@transaction.atomic
def _write(scores: Scores, past: Past, *, settings: HealthSettings, now: datetime) -> None:
    today = timezone.localdate(now)
    _upsert(AccountHealth, HEALTH_COLUMNS, ["account"], scores.health)
    _upsert(HealthSnapshot, SNAPSHOT_COLUMNS, ["account", "day"], scores.snapshots)
    _accounts_mark(scores.health)
    scored = {row[0] for row in scores.health}
    gone = [account_id for account_id in past.band if account_id not in scored]
    for start in range(0, len(gone), 500):
        # Their data has aged out of every window: no score is better than a stale one.
        chunk = gone[start : start + 500]
        AccountHealth.objects.filter(account_id__in=chunk).delete()
        HealthSnapshot.objects.filter(account_id__in=chunk, day=today).delete()
    health_days_write([today])
    RevenueAtRisk.objects.all().delete()
    RevenueAtRisk.objects.bulk_create(
        RevenueAtRisk(team_id=team, currency=currency, total=total, accounts=count, computed_at=now)
        for (team, currency), (total, count) in scores.at_risk.items()
    )
    HealthSettings.objects.filter(pk=settings.pk).update(rescored_at=now, rescore_started_at=None)


def _accounts_mark(health: list) -> None:
    """Copy each account's band and segment onto its row ("" when it has no score),
    where the account list filters by them. Only the rows that change are written,
    500 to an UPDATE."""
    band, segment = HEALTH_COLUMNS.index("band"), HEALTH_COLUMNS.index("segment")
    wanted = {row[0]: (row[band], row[segment]) for row in health}
    changed = []
    current = Account.objects.order_by().values_list("pk", "health_band", "health_segment")
    for pk, *now in current.iterator(chunk_size=5000):
        new = wanted.get(pk, ("", ""))
        if tuple(now) != new:
            changed.append(Account(pk=pk, health_band=new[0], health_segment=new[1]))
    Account.objects.bulk_update(changed, ["health_band", "health_segment"], batch_size=500)


@contextmanager
def _rare_garbage_collection() -> Iterator[None]:
    """A rescore makes millions of short-lived objects and no reference cycles, which
    refcounting frees: the cyclic collector, run every 2,000 new objects, only rescans
    the 100,000 accounts' facts, again and again (a quarter of the time on the bench)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 500_000), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def health_rescore(*, now: datetime | None = None, rules: bool = True) -> RescoreResult:
    """Score every account now, write the scores and today's snapshots, apply the rules.
    Reads outside any transaction; writes in one; the rules open cases in another."""
    with _rare_garbage_collection():
        return _rescore(now=now or timezone.now(), rules=rules)


def _rescore(*, now: datetime, rules: bool) -> RescoreResult:
    result = RescoreResult()
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        result.seconds[name] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    settings = HealthSettings.current()
    specs = factor_specs()
    facts = account_facts_collect(now=now, specs=specs)
    lap("measures")
    consumers = consumer_forecasts(now=now, facts=facts.values())
    result.forecasts, result.teams_fitted = len(consumers.forecasts), consumers.teams_fitted
    lap("buyers")
    past = Past.read(timezone.localdate(now), settings)
    lap("history")
    scores = _score_all(
        facts,
        specs=specs,
        settings=settings,
        consumers=consumers,
        past=past,
        now=now,
        result=result,
    )
    result.scored = len(scores.health)
    result.unscored = Account.objects.count() - result.scored
    lap("score")
    _write(scores, past, settings=settings, now=now)
    lap("write")
    # The very first rescore is the baseline: with nothing before it, nothing is *newly*
    # at risk, and a book of 100,000 accounts must not open a case for every red one.
    if rules and settings.rescored_at is not None:
        result.cases_opened = at_risk_cases_open(
            assessments=scores.assessments, since=settings.rescored_at, now=now
        )
        lap("rules")
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
