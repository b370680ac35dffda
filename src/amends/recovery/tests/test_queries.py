"""The pages people open every morning cost a fixed number of queries, whatever the
number of cases (issue 13): an N+1 or a per-row count cannot come back unseen."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amends.accounts.services import account_create
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def grow(people, declare):
    """Declare one more incident touching ``count`` new accounts (a case each)."""
    made = {"n": 0}

    def grow(count: int):
        actor = Actor(user=people.agent, via="web")
        accounts = []
        for _ in range(count):
            made["n"] += 1
            accounts.append(
                account_create(actor=actor, team=people.north, name=f"Client {made['n']}")
            )
        return declare(accounts, title=f"Batch {made['n']}")

    return grow


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["admin", "manager", "agent"])
def test_my_work_costs_the_same_with_3_cases_or_30(client, people, grow, who):
    client.force_login(getattr(people, who))
    grow(3)
    few = queries(client, "/cases/")
    grow(27)
    assert queries(client, "/cases/") == few


def test_the_incident_page_costs_the_same_with_3_accounts_or_30(client, people, grow):
    client.force_login(people.agent)
    grow(1)  # an earlier one: both pages say "this has happened before"
    small, large = grow(3), grow(30)
    assert queries(client, f"/incidents/{small.pk}/") == queries(client, f"/incidents/{large.pk}/")


def test_the_case_list_api_costs_the_same_with_3_cases_or_30(client, people, grow):
    from amends.people.services import token_create

    issued = token_create(user=people.agent, name="count")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    client.get("/api/v1/cases", **auth)  # the token's first use is written down once
    grow(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/cases", **auth).status_code == 200
    grow(27)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/cases", **auth).status_code == 200
    assert len(many) == len(few)
