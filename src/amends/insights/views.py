"""The dashboard and each figure's CSV file. Both read the same filters (team,
segment, period); a team the reader may not see is a 404, a bad date a message
naming the field."""

import csv
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from amends.insights.figures import card_build, figure_csv_rows
from amends.insights.forms import InsightsFilterForm
from amends.insights.selectors import (
    NOW_FIGURES,
    figure_compute,
    figure_get,
    figures_compute,
    insights_teams_for,
)
from amends.people.access import READ, teams_for


def _filters(request: HttpRequest) -> tuple[InsightsFilterForm, set[int] | None]:
    teams = insights_teams_for(user=request.user, team=request.GET.get("team", ""))
    form = InsightsFilterForm(request.GET, teams=teams_for(request.user, READ).order_by("name"))
    return form, teams


@login_required
def dashboard_view(request: HttpRequest) -> HttpResponse:
    form, teams = _filters(request)
    cards, query = [], ""
    if form.is_valid():
        scope = form.scope(teams=teams, now=timezone.now())
        cards = [
            card_build(key=key, data=data, scope=scope, now=key in NOW_FIGURES)
            for key, data in figures_compute(scope=scope).items()
        ]
        data = form.cleaned_data
        # The links carry the period as shown, so a file downloaded tomorrow matches.
        query = urlencode(
            {
                name: value
                for name, value in [
                    ("team", data["team"]),
                    ("segment", data["segment"]),
                    ("start", scope.start.isoformat()),
                    ("end", scope.end.isoformat()),
                ]
                if value
            }
        )
    context = {"form": form, "cards": cards, "query": query, "problems": form.error_lines()}
    return render(
        request, "insights/dashboard.html", context, status=200 if not form.errors else 400
    )


@login_required
def csv_view(request: HttpRequest, figure: str) -> HttpResponse:
    figure_get(figure)
    form, teams = _filters(request)
    if not form.is_valid():
        return HttpResponse(
            "\n".join(form.error_lines()) + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    scope = form.scope(teams=teams, now=timezone.now())
    data = figure_compute(key=figure, scope=scope)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    csv.writer(response).writerows(figure_csv_rows(figure, data))
    if figure in NOW_FIGURES:
        name = f"amends-{figure}-{timezone.localtime(scope.now):%Y%m%d-%H%M}.csv"
    else:
        name = f"amends-{figure}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
