"""GET /api/v1/insights and /api/v1/insights/{figure}: the metric dicts, for the
teams the caller may read; the project's one error shape when something is wrong."""

from datetime import timedelta

import pytest
from django.utils import timezone

from amends.insights import casework
from amends.insights.selectors import FIGURES

pytestmark = pytest.mark.django_db


def test_it_gives_a_viewer_every_figure_with_its_definition(call, incidents):
    response = call("get", "/api/v1/insights", user=incidents.viewer)

    assert response.status_code == 200, response.content
    body = response.json()
    today = timezone.localdate()
    assert (body["start"], body["end"]) == (str(today - timedelta(days=89)), str(today))
    assert list(body["figures"]) == list(FIGURES)
    assert all(figure["definition"] for figure in body["figures"].values())
    causes = body["figures"]["recurring-causes"]["by_cause"]
    assert causes[0] == {"cause": "supplier", "name": "Supplier", "incidents": 2}


def test_it_gives_one_figure_as_the_metric_computes_it(call, incidents):
    end = timezone.localdate()
    start = end - timedelta(days=400)
    response = call(
        "get",
        f"/api/v1/insights/recurring-causes?team=north&start={start}&end={end}",
        user=incidents.viewer,
    )
    assert response.status_code == 200
    assert response.json() == casework.recurring_causes(
        teams={incidents.north.pk}, start=start, end=end
    )
    at_risk = call("get", "/api/v1/insights/recurring-causes?segment=at_risk").json()
    assert at_risk["by_cause"] == []  # nobody was scored


def test_it_tells_an_outsider_nothing_of_another_team(call, incidents):
    response = call("get", "/api/v1/insights?team=north", user=incidents.outsider)
    assert response.status_code == 404
    assert response.json() == {
        "message": "No team with this slug that you may read.",
        "errors": [],
    }
    one = call("get", "/api/v1/insights/retention?team=north", user=incidents.outsider)
    assert one.status_code == 404
    own = call("get", "/api/v1/insights/recurring-causes", user=incidents.outsider).json()
    assert own["by_cause"] == [{"cause": "supplier", "name": "Supplier", "incidents": 1}]


def test_it_asks_anonymous_callers_to_authenticate(client, people):
    response = client.get("/api/v1/insights")
    assert response.status_code == 401
    assert response.json()["message"].startswith("Authentication required")


def test_it_names_the_field_of_a_bad_filter(call, people):
    bad = call("get", "/api/v1/insights?start=2025-02-30")
    assert bad.status_code == 422
    assert bad.json() == {
        "message": "The values are not valid.",
        "errors": [
            {"field": "start", "message": "Enter a date as YYYY-MM-DD, for example 2025-03-31."}
        ],
    }
    backwards = call("get", "/api/v1/insights/thaw?start=2025-03-02&end=2025-03-01")
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "end"
    segment = call("get", "/api/v1/insights/thaw?segment=grumpy")
    assert segment.status_code == 422 and segment.json()["errors"][0]["field"] == "segment"


def test_it_answers_404_for_a_figure_it_does_not_have(call, people):
    response = call("get", "/api/v1/insights/happiness")
    assert response.status_code == 404
    assert response.json() == {"message": "No such figure.", "errors": []}
