"""The figures as JSON: the same dicts as the figures' modules return (``FIGURES`` in
``selectors.py``), each with its definition, for the teams the caller may read (or the
one named), one segment, one period."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from amends.core.api import ERRORS
from amends.insights.forms import InsightsFilterForm
from amends.insights.selectors import (
    FIGURES,
    Scope,
    figure_compute,
    figure_get,
    figures_compute,
    insights_teams_for,
)
from amends.people.access import READ, teams_for

router = Router(tags=["insights"])


class InsightsQuery(Schema):
    team: str = Field("", description="team slug; every team you can read when left out")
    segment: str = Field(
        "",
        description="only accounts in this loyalty segment as of the latest rescore: "
        "loyal, at_risk or unhappy",
    )
    start: str = Field("", description="first day, YYYY-MM-DD (default: 89 days before end)")
    end: str = Field("", description="last day, included, YYYY-MM-DD (default: today)")


class InsightsOut(Schema):
    team: str
    segment: str
    start: str
    end: str
    figures: dict[str, dict]


def _scope(request, query: InsightsQuery) -> Scope:
    teams = insights_teams_for(user=request.user, team=query.team)
    form = InsightsFilterForm(query.dict(), teams=teams_for(request.user, READ))
    if not form.is_valid():
        raise ValidationError(
            {name: [str(message) for message in messages] for name, messages in form.errors.items()}
        )
    return form.scope(teams=teams, now=timezone.now())


@router.get(
    "/insights",
    response={200: InsightsOut, **ERRORS},
    summary="Every figure",
    description="Every figure of the dashboard (" + ", ".join(FIGURES) + "), each with its "
    "`definition` in words. `open-work` is counted now, whatever the period.",
)
def insights_all(request, query: Query[InsightsQuery]):
    scope = _scope(request, query)
    return {
        "team": query.team,
        "segment": scope.segment or "",
        "start": scope.start.isoformat(),
        "end": scope.end.isoformat(),
        "figures": figures_compute(scope=scope),
    }


@router.get(
    "/insights/{figure}",
    response={200: dict, **ERRORS},
    summary="One figure",
    description="One figure by name (" + ", ".join(FIGURES) + "), as `GET /insights` "
    "gives it under `figures`.",
)
def insights_one(request, figure: str, query: Query[InsightsQuery]):
    figure_get(figure)
    return figure_compute(key=figure, scope=_scope(request, query))
