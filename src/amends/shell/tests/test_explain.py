"""Every list that grows with the data is read through an index in its own order: the
database walks the index up to the page and stops, and sorts nothing. Checked on the
plans of SQLite and PostgreSQL (PostgreSQL told to avoid sequential scans and sorts,
since with a test's few rows a scan is cheaper and it would choose one)."""

import re

import pytest
from django.db import connection
from django.utils import timezone

from amends.accounts.selectors import AccountFilters, account_list
from amends.complaints.selectors import ComplaintFilters, complaint_list
from amends.recovery.selectors import case_list, case_list_open
from amends.timeline.selectors import event_list_for_account

pytestmark = pytest.mark.django_db

PAGE = 25


def plan(queryset) -> str:
    """The plan of the first page of ``queryset``."""
    page = queryset[:PAGE]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
        return page.explain()
    return page.explain()


def assert_walks_an_index(queryset, table: str) -> None:
    found = plan(queryset)
    if connection.vendor == "postgresql":
        # A disabled node is still chosen when nothing else can answer: it shows as such.
        assert "Seq Scan on " + table not in found, found
        assert not re.search(r"(^|->)\s*(Incremental )?Sort\s+\(", found, re.M), found
        assert "Index" in found, found
    else:
        lines = [line for line in found.splitlines() if table in line]
        assert lines, found
        assert all("USING" in line or "SEARCH" in line for line in lines), found
        assert "TEMP B-TREE" not in found, found


@pytest.mark.parametrize("persona", ["admin", "manager", "agent"])
def test_my_work_reads_the_open_cases_in_the_lists_order(people, persona):
    user = getattr(people, persona)
    assert_walks_an_index(case_list_open(user=user), "recovery_recoverycase")


def test_every_case_with_the_closed_ones_newest_first(people):
    every = case_list(user=people.admin, include_closed=True)
    assert_walks_an_index(every, "recovery_recoverycase")


@pytest.mark.parametrize(
    "filters",
    [
        AccountFilters(),
        AccountFilters(segment="at_risk"),
        AccountFilters(band="red"),
        AccountFilters(q="harbor"),
    ],
    ids=["all", "segment", "band", "search"],
)
def test_the_account_list_and_its_filters(people, filters):
    assert_walks_an_index(account_list(user=people.admin, filters=filters), "accounts_account")


@pytest.mark.parametrize("persona", ["admin", "manager"])
def test_the_inbox_newest_first(people, persona):
    user = getattr(people, persona)
    complaints = complaint_list(user=user, filters=ComplaintFilters(), now=timezone.now())
    assert_walks_an_index(complaints, "complaints_complaint")


def test_an_accounts_timeline_newest_first(account):
    assert_walks_an_index(event_list_for_account(account_id=account.pk), "timeline_event")


def test_postgresql_counts_a_search_from_its_trigram_index(people):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite reads the search from its B-tree indexes alone (above)")
    searched = account_list(user=people.admin, filters=AccountFilters(q="harbor")).order_by()
    # Only a bitmap scan left to choose: a B-tree can serve one for LIKE '%…%' only by
    # reading every entry, which the planner costs like the scan it is.
    with connection.cursor() as cursor:
        for path in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{path} = off")
    assert "Bitmap Index Scan on account_search_trigrams" in searched.explain()
