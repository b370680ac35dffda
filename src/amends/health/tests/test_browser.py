"""Health in a real browser: the account page's panel and the list's segment filter."""

import pytest
from playwright.sync_api import expect

from amends.health.services import health_rescore
from conftest import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("health_defaults"),
]


def test_it_explains_the_score_factor_by_factor_in_the_health_panel(page, people, account, say):
    say(account, "nps", 3, value=9)
    say(account, "complaint", 2)
    say(account, "meeting", 2)
    health_rescore(rules=False)
    browser_login(page, "vic", then="/accounts/")

    page.get_by_role("link", name="Harbor Printing Ltd").click()

    panel = page.locator("#health")
    expect(panel.get_by_role("heading", name="Health")).to_be_visible()
    expect(panel).to_contain_text("high = healthy")
    # (100x25 + 70x20 + 100x10 + 100x10) / 65 = 90.8
    expect(panel.get_by_test_id("health-score")).to_have_text("91")
    expect(panel.get_by_test_id("health-band")).to_have_text("Green")
    expect(panel.get_by_test_id("health-segment")).to_have_text("Loyal")
    complaints = panel.locator("tr[data-factor=complaints]")
    expect(complaints.locator("td")).to_have_text(["1", "70", "20 (31%)"])
    expect(panel.locator("tr[data-factor=csat] td").first).to_have_text("no data")
    expect(panel).to_contain_text("No sign of cooling.")


def test_it_narrows_the_list_with_the_segment_filter(page, people, account, make_account, say):
    loyal = make_account("Loyal Bakery", annual_value="9000")
    unhappy = make_account("Unhappy Freight", annual_value="3000")
    say(account, "nps", 1, value=8)
    say(loyal, "nps", 1, value=10)
    say(unhappy, "nps", 1, value=2)
    health_rescore(rules=False)
    browser_login(page, "alex", then="/accounts/")
    rows = page.locator("table.accounts tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#revenue-at-risk")).to_contain_text("120,000 EUR")

    page.get_by_label("Segment").select_option(label="Loyal")

    page.wait_for_url("**segment=loyal**")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Loyal Bakery")
    expect(rows.first).to_contain_text("Loyal")

    page.get_by_label("Segment").select_option(label="Satisfied but at risk")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Harbor Printing Ltd")
    expect(page.locator("#results .count")).to_have_text("1 account")
