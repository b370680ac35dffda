"""The account list: filters, paging, htmx search and the CSV download."""

import csv
import io

import pytest
from playwright.sync_api import expect

from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "external_id,name,team,kind,owner,annual_value,currency,tier,lifecycle,language,source"


def make_accounts(people, names, **fields):
    from amends.accounts.services import account_create
    from amends.timeline.services import Actor

    actor = Actor(user=people.agent, via="web")
    return [account_create(actor=actor, team=people.north, name=name, **fields) for name in names]


def rows(page):
    return page.locator("table.accounts tbody tr")


def names_in(page):
    return [
        name.strip() for name in rows(page).locator("td a[href^='/accounts/']").all_inner_texts()
    ]


def test_the_lifecycle_select_filters_the_list(page, people, account):
    make_accounts(people, ["Quarry Tools", "Riverside Bakery"], lifecycle="at_risk")
    make_accounts(people, ["Old Mill Co"], lifecycle="churned")
    browser_login(page, "alex", then="/accounts/")
    expect(rows(page)).to_have_count(4)

    page.get_by_label("Lifecycle state").select_option(label="At risk")

    page.wait_for_url("**lifecycle=at_risk**")
    expect(rows(page)).to_have_count(2)
    assert names_in(page) == ["Quarry Tools", "Riverside Bakery"]
    expect(page.locator("#results .count")).to_have_text("2 accounts")

    page.get_by_label("Lifecycle state").select_option(label="Churned")
    expect(rows(page)).to_have_count(1)
    assert names_in(page) == ["Old Mill Co"]

    # The filtered list is a real address: reloading it shows the same accounts.
    page.reload()
    expect(page.get_by_label("Lifecycle state")).to_have_value("churned")
    assert names_in(page) == ["Old Mill Co"]


def test_next_and_previous_page_through_more_than_25_accounts(page, people):
    made = make_accounts(people, [f"Client {n:02}" for n in range(1, 31)])
    browser_login(page, "alex", then="/accounts/")
    expect(page.locator("#results .count")).to_have_text("30 accounts")
    expect(rows(page)).to_have_count(25)
    assert names_in(page) == [a.name for a in made[:25]]
    pager = page.get_by_role("navigation", name="Pages")
    expect(pager).to_contain_text("Page 1 of 2")
    expect(pager.get_by_role("link", name="Previous")).to_have_count(0)

    pager.get_by_role("link", name="Next").click()

    page.wait_for_url("**page=2**")
    expect(pager).to_contain_text("Page 2 of 2")
    expect(rows(page)).to_have_count(5)
    assert names_in(page) == [a.name for a in made[25:]]
    expect(pager.get_by_role("link", name="Next")).to_have_count(0)

    pager.get_by_role("link", name="Previous").click()

    expect(pager).to_contain_text("Page 1 of 2")
    expect(rows(page)).to_have_count(25)
    assert names_in(page)[0] == "Client 01"


def test_paging_keeps_the_filter(page, people):
    make_accounts(people, [f"Risky {n:02}" for n in range(1, 28)], lifecycle="at_risk")
    make_accounts(people, [f"Calm {n:02}" for n in range(1, 4)])
    browser_login(page, "alex", then="/accounts/")
    page.get_by_label("Lifecycle state").select_option(label="At risk")
    expect(page.locator("#results .count")).to_have_text("27 accounts")

    page.get_by_role("link", name="Next").click()

    expect(page.get_by_role("navigation", name="Pages")).to_contain_text("Page 2 of 2")
    assert names_in(page) == ["Risky 26", "Risky 27"]
    assert "lifecycle=at_risk" in page.url


def test_a_search_that_matches_nothing_says_so(page, people, account):
    browser_login(page, "alex", then="/accounts/")
    expect(page.get_by_text("No accounts match")).to_have_count(0)

    page.get_by_role("searchbox").fill("no such customer")

    expect(page.get_by_text("No accounts match. Try another search")).to_be_visible()
    expect(page.locator("#results .count")).to_have_text("0 accounts")
    expect(rows(page)).to_have_count(0)


def test_the_search_updates_the_results_without_loading_a_new_page(page, people, account):
    make_accounts(people, ["Quarry Tools"])
    browser_login(page, "alex", then="/accounts/")
    expect(rows(page)).to_have_count(2)
    page.evaluate("window.amendsMarker = 'same page'")

    page.get_by_role("searchbox").fill("quarry")

    page.wait_for_url("**q=quarry**")
    expect(rows(page)).to_have_count(1)
    assert names_in(page) == ["Quarry Tools"]
    # A full page load would have thrown the window, and the marker, away.
    assert page.evaluate("window.amendsMarker") == "same page"
    # The search box keeps what was typed; the page did not re-render around it.
    expect(page.get_by_role("searchbox")).to_have_value("quarry")


def read_download(download):
    with open(download.path(), encoding="utf-8") as handle:
        return handle.read()


def test_download_csv_gives_a_csv_of_the_accounts(page, people, account):
    make_accounts(people, ["Quarry Tools"])
    browser_login(page, "alex", then="/accounts/")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()

    download = info.value
    assert download.suggested_filename.startswith("amends-accounts-")
    assert download.suggested_filename.endswith(".csv")
    text = read_download(download)
    assert text.splitlines()[0] == HEADER
    names = [row["name"] for row in csv.DictReader(io.StringIO(text))]
    assert names == ["Harbor Printing Ltd", "Quarry Tools"]


def test_download_csv_after_a_search_gives_only_what_was_found(page, people, account):
    make_accounts(people, ["Quarry Tools"])
    browser_login(page, "alex", then="/accounts/")
    page.get_by_role("searchbox").fill("quarry")
    expect(rows(page)).to_have_count(1)
    expect(page.get_by_role("link", name="Download CSV")).to_have_count(1)
    # The in-memory test database is one connection shared by the live server's
    # threads: let the search's requests finish before the download starts.
    page.wait_for_load_state("networkidle")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()

    text = read_download(info.value)
    assert text.splitlines()[0] == HEADER
    assert [row["name"] for row in csv.DictReader(io.StringIO(text))] == ["Quarry Tools"]
