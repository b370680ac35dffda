"""The daily housekeeping: old slots forgotten, the planner's statistics refreshed."""

import pytest
from django.db import connection

from amends.core.tasks import housekeeping

pytestmark = pytest.mark.django_db


def test_it_gives_sqlite_the_statistics_that_choose_its_indexes(account):
    result = housekeeping.call()
    if connection.vendor == "sqlite":
        assert result["analyzed"] is True
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'accounts_account'")
            assert cursor.fetchone()[0] > 0
    else:
        # PostgreSQL's autovacuum keeps its own statistics.
        assert result["analyzed"] is False
    assert result["slots"] == 0
