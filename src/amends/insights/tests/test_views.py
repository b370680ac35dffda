"""The dashboard and its CSV files: who sees what, the filters, and errors that say
which field is wrong."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amends.insights.selectors import FIGURES
from conftest import login

pytestmark = pytest.mark.django_db

DASHBOARD = "/insights/"


def test_it_shows_every_figure_with_a_chart_a_definition_and_a_csv_link(client, incidents):
    page = login(client, incidents.viewer).get(DASHBOARD)

    assert page.status_code == 200
    text = page.text
    for key in FIGURES:
        assert f'data-figure="{key}"' in text
        assert f'href="{reverse("insights:csv", args=[key])}?' in text
    # North's recurring causes: supplier twice, as a bar chart with its numbers.
    card = text[text.index('data-figure="recurring-causes"') :]
    card = card[: card.index("</section>")]
    assert '<svg class="chart hbars" role="img"' in card
    assert "Incidents discovered in the period, counted per cause category" in card
    # On the screen: the cause's name and yes, where the CSV file has its slug and true.
    assert "<td>Supplier</td><td>2</td><td>yes</td>" in card
    assert '<th scope="col">Recurring</th>' in card
    assert 'aria-current="page">Insights' in text


def test_it_says_so_when_a_figure_has_no_data(client, people):
    text = login(client, people.viewer).get(DASHBOARD).text
    assert text.count("No data in this period.") == len(FIGURES) - 1
    assert "No open cases now." in text
    assert "<svg" not in text


def test_it_shows_the_last_90_days_unless_told_otherwise(client, people):
    today = timezone.localdate()
    start = today - timedelta(days=89)
    text = login(client, people.viewer).get(DASHBOARD).text
    assert f"start={start.isoformat()}&amp;end={today.isoformat()}" in text

    chosen = client.get(DASHBOARD, {"start": "2025-03-01", "end": "2025-03-31"}).text
    assert "From 1 Mar 2025 to 31 Mar 2025, both days included." in chosen
    assert "start=2025-03-01&amp;end=2025-03-31" in chosen


def test_it_names_the_field_of_a_bad_date_instead_of_failing(client, people):
    login(client, people.viewer)

    bad = client.get(DASHBOARD, {"start": "2025-02-30"})
    assert bad.status_code == 400
    assert "From: Enter a date as YYYY-MM-DD, for example 2025-03-31." in bad.text

    backwards = client.get(DASHBOARD, {"start": "2025-03-02", "end": "2025-03-01"})
    assert backwards.status_code == 400
    assert "Until: The period ends before it starts" in backwards.text

    odd = client.get(DASHBOARD, {"segment": "grumpy"})
    assert odd.status_code == 400 and "Segment: Select a valid choice." in odd.text
    assert "data-figure=" not in odd.text


def test_it_offers_only_the_teams_the_reader_can_see(client, people):
    viewer = login(client, people.viewer).get(DASHBOARD).text
    assert '<option value="north">North</option>' in viewer
    assert 'value="south"' not in viewer
    admin = login(client, people.admin).get(DASHBOARD).text
    assert 'value="north"' in admin and 'value="south"' in admin


def test_it_tells_an_outsider_nothing_of_another_team(client, incidents):
    login(client, incidents.outsider)
    assert client.get(DASHBOARD, {"team": "north"}).status_code == 404
    assert client.get("/insights/recurring-causes.csv", {"team": "north"}).status_code == 404
    assert client.get(DASHBOARD, {"team": "nowhere"}).status_code == 404
    # Their own figures: South's one supplier incident, nothing of North's.
    own = client.get("/insights/recurring-causes.csv").text
    assert own.splitlines() == ["cause,name,incidents,recurring", "supplier,Supplier,1,false"]


def test_it_narrows_the_figures_to_a_team(client, incidents):
    login(client, incidents.admin)
    everyone = client.get("/insights/recurring-causes.csv").text.splitlines()
    assert everyone[1] == "supplier,Supplier,3,true"
    south = client.get("/insights/recurring-causes.csv", {"team": "south"}).text.splitlines()
    assert south[1:] == ["supplier,Supplier,1,false"]
    page = client.get(DASHBOARD, {"team": "south"}).text
    assert '<option value="south" selected>South</option>' in page


def test_it_sends_anonymous_readers_to_log_in(client):
    for url in (DASHBOARD, "/insights/retention.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_it_writes_a_figure_as_a_plain_csv_file(client, incidents):
    today = timezone.localdate()
    start, end = today - timedelta(days=700), today + timedelta(days=30)
    response = login(client, incidents.viewer).get(
        "/insights/recurring-causes.csv", {"start": start.isoformat(), "end": end.isoformat()}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="amends-recurring-causes-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    )
    assert response.text == (
        "cause,name,incidents,recurring\r\nsupplier,Supplier,2,true\r\nprocess,Process,1,false\r\n"
    )
    # Nothing to share: blank cells, never "None".
    retention = client.get("/insights/retention.csv").text.splitlines()
    assert retention[0] == "group,accounts,still_buying,share"
    assert retention[3] == "complained_not_resolved,0,0,"


def test_it_answers_404_for_a_figure_it_does_not_have(client, people):
    assert login(client, people.viewer).get("/insights/happiness.csv").status_code == 404


def test_it_says_what_is_wrong_with_a_csv_links_dates(client, people):
    response = login(client, people.viewer).get("/insights/thaw.csv", {"end": "31/03/2025"})
    assert response.status_code == 400
    assert response.text == "Until: Enter a date as YYYY-MM-DD, for example 2025-03-31.\n"
