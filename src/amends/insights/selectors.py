"""Reads behind the dashboard, its CSV files, the API and ``amends insights``: whose
figures a reader may see, and each figure computed for one scope (teams, segment,
period). The figures themselves are in ``casework.py``, ``outcomes.py``,
``complainers.py`` and ``history.py``."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Max
from django.http import Http404
from django.utils import timezone, translation

from amends.health.models import HealthSettings
from amends.insights import casework, complainers, history, outcomes
from amends.people.access import READ, team_ids_for
from amends.people.models import Team, User
from amends.signals.models import Signal
from amends.timeline.models import Event

DEFAULT_DAYS = 90
# Ten years of weekly samples is ~520 index seeks: more says nothing more.
MAX_DAYS = 10 * 366

# The figures in the dashboard's order, by the name the URLs, the API and the command use.
FIGURES: dict[str, Callable[..., dict]] = {
    "revenue-at-risk": history.revenue_at_risk_over_time,
    "segments": history.segments_over_time,
    "open-work": casework.open_work,
    "first-contact": casework.first_contact_times,
    "commitments": casework.commitments_kept_on_time,
    "recovery": outcomes.recovery_rate,
    "win-back": outcomes.win_back_rate,
    "thaw": outcomes.thaw_days_to_resolve,
    "recurring-causes": casework.recurring_causes,
    "double-failures": outcomes.double_failures,
    "satisfaction": outcomes.satisfaction_before_after,
    "retention": complainers.retention_after_problems,
    "spend": complainers.spend_complainers_vs_silent,
}
# Work in hand is counted now, whatever the period.
NOW_FIGURES = {"open-work"}
# A dashboard computed is kept until the data under it changes (see ``_data_stamp``), or
# for this long at most: work in hand ages with the clock alone, and a change recorded
# nowhere on a timeline shows within five minutes. At 100,000 accounts the figures take
# over a second to compute and under 10 ms to read back.
CACHE_SECONDS = 300


@dataclass(frozen=True)
class Scope:
    teams: set[int] | None
    start: date
    end: date
    segment: str | None = None
    now: datetime | None = None


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last 90 days, today included."""
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def insights_teams_for(*, user: User | AnonymousUser, team: str = "") -> set[int] | None:
    """The teams whose figures ``user`` may read (None: every team), or only the one
    with the slug ``team``. A team they may not read answers 404, as one that does not
    exist would. ``user=None`` is the operator at the command line: every team."""
    readable = None if user is None else team_ids_for(user, READ)
    if not team:
        return readable
    found = Team.objects.filter(slug=team).values_list("pk", flat=True).first()
    if found is None or (readable is not None and found not in readable):
        raise Http404("No team with this slug that you may read.")
    return {found}


def figure_get(key: str) -> Callable[..., dict]:
    compute = FIGURES.get(key)
    if compute is None:
        raise Http404("No such figure.")
    return compute


def figure_compute(*, key: str, scope: Scope) -> dict:
    compute = figure_get(key)
    if key in NOW_FIGURES:
        return compute(teams=scope.teams, segment=scope.segment, now=scope.now or timezone.now())
    return compute(teams=scope.teams, segment=scope.segment, start=scope.start, end=scope.end)


def _data_stamp() -> tuple:
    """What every figure is computed from, in three index reads: the latest event on any
    timeline (each case closed, step done, promise kept, complaint answered, account
    changed is one), the latest signal, and the latest rescore."""
    return (
        Event.objects.aggregate(latest=Max("id"))["latest"],
        Signal.objects.aggregate(latest=Max("id"))["latest"],
        HealthSettings.objects.values_list("rescored_at", flat=True).first(),
    )


def _cache_key(scope: Scope) -> str:
    teams = None if scope.teams is None else sorted(scope.teams)
    parts = (
        _data_stamp(),
        teams,
        scope.segment,
        scope.start,
        scope.end,
        translation.get_language(),
        timezone.localdate(scope.now or timezone.now()),
    )
    return "insights:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def figures_compute(*, scope: Scope, cached: bool = True) -> dict[str, dict]:
    """Every figure for ``scope``: from the cache while nothing under it has changed
    (the same teams, filters, language and day), else computed and kept."""
    if not cached:
        return {key: figure_compute(key=key, scope=scope) for key in FIGURES}
    key = _cache_key(scope)
    figures: dict[str, dict] | None = cache.get(key)
    if figures is None:
        figures = {name: figure_compute(key=name, scope=scope) for name in FIGURES}
        cache.set(key, figures, CACHE_SECONDS)
    return figures
