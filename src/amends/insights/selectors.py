"""Reads behind the dashboard, its CSV files, the API and ``amends insights``: whose
figures a reader may see, and each figure computed for one scope (teams, segment,
period). The figures themselves are in ``casework.py``, ``outcomes.py``,
``complainers.py`` and ``history.py``."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from amends.insights import casework, complainers, history, outcomes
from amends.people.access import READ, team_ids_for
from amends.people.models import Team, User

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


def figures_compute(*, scope: Scope) -> dict[str, dict]:
    return {key: figure_compute(key=key, scope=scope) for key in FIGURES}
