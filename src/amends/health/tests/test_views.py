"""The health panel on the account page; health on the account list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amends.health.services import health_rescore
from conftest import login

pytestmark = pytest.mark.django_db


def test_it_explains_the_score_on_the_account_page(client, people, account, say):
    say(account, "nps", 2, value=8)
    say(account, "meeting", 2)
    health_rescore(rules=False)

    page = login(client, people.viewer).get(f"/accounts/{account.pk}/").content.decode()

    assert "high = healthy" in page
    assert 'data-testid="health-score">85<' in page  # (60x25 + 100x20 + 100x10 + 100x10) / 65
    assert "Satisfied but at risk" in page
    assert "Latest NPS answer" in page and "no data" in page
    assert "No sign of cooling." in page
    assert "Probability still active" not in page  # a business account


def test_it_says_on_the_account_page_when_there_is_no_score(client, people, account):
    page = login(client, people.agent).get(f"/accounts/{account.pk}/").content.decode()
    assert "No health score yet" in page


def test_it_filters_the_list_by_health_and_sums_revenue_at_risk_per_currency(
    client, people, account, make_account, say, south_account
):
    red = make_account("Red Ltd", annual_value="1000", currency="EUR")
    quiet = make_account("Quiet Ltd", annual_value="500", currency="USD")
    loyal = make_account("Loyal Ltd", annual_value="7000", currency="EUR")
    churned = make_account("Gone Ltd", annual_value="9000", currency="EUR", lifecycle="churned")
    say(account, "nps", 1, value=8)  # passive: satisfied but at risk, 120,000 EUR
    for each in (red, churned):
        say(each, "nps", 1, value=0)
        for _ in range(4):
            say(each, "complaint", 1)
        for _ in range(3):
            say(each, "late_payment", 1)
    say(quiet, "nps", 1, value=7)
    say(loyal, "nps", 1, value=10)
    say(south_account, "nps", 1, value=7)  # at risk too, but not North's
    health_rescore(rules=False)
    browser = login(client, people.agent)

    page = browser.get("/accounts/").content.decode()
    risk = page.split('id="revenue-at-risk"')[1].split("</div>")[0]
    assert "121,000 EUR" in risk and "500 USD" in risk  # not the churned 9,000
    assert "whose health is red or whose segment is “satisfied but at risk”" in risk
    assert "churned and parting accounts left out" in risk

    page = browser.get("/accounts/?band=red").content.decode()
    assert "2 accounts<" in page and "Red Ltd" in page and "Gone Ltd" in page
    assert "Harbor" not in page

    page = browser.get("/accounts/?segment=loyal").content.decode()
    assert "1 account<" in page and "Loyal Ltd" in page and "Harbor" not in page

    page = browser.get("/accounts/?segment=at_risk&band=green").content.decode()
    assert "2 accounts<" in page and "Harbor" in page and "Quiet Ltd" in page

    partial = browser.get("/accounts/?band=red", HTTP_HX_REQUEST="true").content.decode()
    assert "Red Ltd" in partial and "revenue-at-risk" not in partial


def test_it_leaves_north_out_of_an_outsiders_revenue_at_risk(client, people, account, say):
    say(account, "nps", 1, value=8)
    health_rescore(rules=False)
    page = login(client, people.outsider).get("/accounts/").content.decode()
    risk = page.split('id="revenue-at-risk"')[1].split("</div>")[0]
    assert "120,000" not in risk


def test_it_reads_the_lists_health_with_a_fixed_number_of_queries(
    client, people, make_account, say
):
    def queries(count: int) -> int:
        for n in range(count):
            say(make_account(f"Client {count} {n}"), "nps", 1, value=n % 11)
        health_rescore(rules=False)
        with CaptureQueriesContext(connection) as captured:
            client.get("/accounts/")
        return len(captured)

    login(client, people.agent)
    assert queries(2) == queries(12)


def test_it_lets_administrators_edit_factors_settings_and_rules_in_django_admin(
    client, people, account, say
):
    from amends.health.models import HealthFactor

    say(account, "nps", 1, value=9)
    health_rescore(rules=False)
    client.force_login(people.admin)
    for path in [
        "healthfactor",
        "healthsettings",
        "atriskrule",
        "accounthealth",
        "healthsnapshot",
    ]:
        assert client.get(f"/admin/health/{path}/").status_code == 200, path
    factor = HealthFactor.objects.get(key="complaints")
    page = client.get(f"/admin/health/healthfactor/{factor.pk}/change/")
    assert page.status_code == 200 and b"null catches the rest" in page.content
    # One settings row: it can be changed but neither added again nor deleted.
    assert client.get("/admin/health/healthsettings/add/").status_code == 403
    client.force_login(people.manager)
    assert client.get("/admin/health/healthfactor/").status_code == 302
