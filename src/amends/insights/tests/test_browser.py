"""The dashboard in a real browser: charts drawn, a filter changed, a CSV downloaded."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from amends.health.models import AccountHealth, HealthSnapshot
from amends.health.rollups import health_days_rebuild
from amends.insights.selectors import FIGURES
from conftest import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("shipped_defaults"),
]

MARKS = "svg[role=img] rect.bar, svg[role=img] path.line"


@pytest.fixture
def history(incidents, account):
    """Four weeks of snapshots for Harbor Printing: satisfied but at risk, then red."""
    today = timezone.localdate()
    for weeks, band in [(4, "yellow"), (3, "yellow"), (2, "red"), (1, "red")]:
        HealthSnapshot.objects.create(
            account=account,
            day=today - timedelta(weeks=weeks),
            score=50,
            band=band,
            segment="at_risk",
        )
    AccountHealth.objects.create(
        account=account, score=30, band="red", segment="at_risk", scored_at=timezone.now()
    )
    health_days_rebuild()  # as the rescore sums its snapshots
    return incidents


def test_it_draws_the_charts_filters_them_and_downloads_one(page, history, tmp_path):
    browser_login(page, "ada")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Insights").click()
    page.wait_for_url("**/insights/")
    expect(nav.get_by_role("link", name="Insights")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Accounts")).not_to_have_attribute("aria-current", "page")

    cards = page.locator("section.figure")
    expect(cards).to_have_count(len(FIGURES))
    for key in ("revenue-at-risk", "segments", "open-work", "first-contact", "recurring-causes"):
        card = page.locator(f"[data-figure={key}]")
        expect(card.locator("svg[role=img] title").first).to_be_attached()
        assert card.locator(MARKS).count() > 0, key
    # Every card draws its marks or says there is nothing to draw.
    for n in range(cards.count()):
        card = cards.nth(n)
        assert card.locator(MARKS).count() or "No data in this period." in card.inner_text()
    causes = page.locator("[data-figure=recurring-causes]")
    expect(causes.locator("rect.bar")).to_have_count(2)  # supplier (3), process (1)
    expect(causes).to_contain_text("Incidents discovered in the period")

    page.get_by_label("Team").select_option(label="South")
    page.get_by_role("button", name="Show").click()

    page.wait_for_url("**team=south**")
    expect(causes.locator("rect.bar")).to_have_count(1)
    expect(causes.locator("svg text.value")).to_have_text(["1"])
    expect(page.locator("[data-figure=segments]")).to_contain_text("No data in this period.")

    with page.expect_download() as download:
        causes.get_by_role("link", name="Download CSV").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("amends-recurring-causes-")
    assert Path(saved).read_text().splitlines() == [
        "cause,name,incidents,recurring",
        "supplier,Supplier,1,false",
    ]
