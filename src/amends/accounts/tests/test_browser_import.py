"""The CSV import page: a clean file is imported, a bad one is explained and not imported."""

import pytest
from playwright.sync_api import expect

from conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = """external_id,name,team,owner,annual_value,lifecycle
CRM-1,Atlas Freight,north,alex,"12,500",active
CRM-2,Birch Clinics,North,,0,at_risk
CRM-3,Cobalt Labs,north,mia,900,
"""

BAD = """external_id,name,team,lifecycle
CRM-1,Atlas Freight,north,active
CRM-2,,north,active
CRM-3,Cobalt Labs,atlantis,sleeping
"""


def upload(page, content, name="accounts.csv"):
    page.get_by_label("CSV file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content.encode("utf-8")}
    )
    page.get_by_role("button", name="Import").click()


def open_import_page(page):
    page.get_by_role("link", name="Import CSV").click()
    page.wait_for_url("**/accounts/import/")
    expect(page.get_by_role("heading", name="Import accounts")).to_be_visible()


def test_a_good_file_is_imported_and_the_counts_shown(page, people):
    from amends.accounts.models import Account

    browser_login(page, "alex", then="/accounts/")
    open_import_page(page)

    upload(page, GOOD)

    result = page.get_by_role("status").filter(has_text="Imported")
    expect(result).to_contain_text("3 rows: 3 created, 0 updated, 0 unchanged.")
    expect(page.get_by_role("alert")).to_have_count(0)
    imported = Account.objects.filter(source="csv").order_by("external_id")
    assert [(a.external_id, a.name, a.team.slug) for a in imported] == [
        ("CRM-1", "Atlas Freight", "north"),
        ("CRM-2", "Birch Clinics", "north"),
        ("CRM-3", "Cobalt Labs", "north"),
    ]
    assert str(imported[0].annual_value) == "12500.00"
    assert imported[1].lifecycle == "at_risk"

    # The same file again changes nothing.
    upload(page, GOOD)
    expect(result).to_contain_text("3 rows: 0 created, 0 updated, 3 unchanged.")
    assert Account.objects.filter(source="csv").count() == 3

    result.get_by_role("link", name="Back to accounts").click()
    page.wait_for_url("**/accounts/")
    expect(page.locator("table.accounts tbody tr")).to_have_count(3)
    expect(page.get_by_role("link", name="Birch Clinics")).to_be_visible()


def test_a_bad_file_lists_every_problem_and_imports_nothing(page, people):
    from amends.accounts.models import Account
    from amends.timeline.models import Event

    browser_login(page, "alex", then="/accounts/")
    open_import_page(page)

    upload(page, BAD)

    problems = page.get_by_role("alert").filter(has_text="Nothing was imported")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("Fix these 3 problems")
    lines = problems.locator("table.problems tbody tr")
    expect(lines).to_have_count(3)
    found = [
        tuple(cell.strip() for cell in row.locator("td").all_inner_texts()) for row in lines.all()
    ]
    assert [(line, column) for line, column, _ in found] == [
        ("3", "name"),
        ("4", "team"),
        ("4", "lifecycle"),
    ]
    assert "is required" in found[0][2]
    assert "atlantis" in found[1][2]
    assert "sleeping" in found[2][2]
    expect(page.get_by_role("status").filter(has_text="Imported")).to_have_count(0)
    # All or nothing: even the good first line was not imported.
    assert not Account.objects.exists()
    assert not Event.objects.exists()


def test_a_file_that_is_not_utf8_is_refused_with_a_reason(page, people):
    from amends.accounts.models import Account

    browser_login(page, "alex", then="/accounts/")
    open_import_page(page)
    page.get_by_label("CSV file").set_input_files(
        {
            "name": "legacy.csv",
            "mimeType": "text/csv",
            "buffer": "external_id,name,team\nX-1,Łódź Trading,north\n".encode("cp1250"),
        }
    )
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("alert")).to_contain_text("not UTF-8")
    assert not Account.objects.exists()
