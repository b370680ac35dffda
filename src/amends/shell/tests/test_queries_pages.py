"""The other pages and lists of issue 13 cost a fixed number of queries whatever the
data holds: the inbox and its API, an account's page, the account API and a warm
insights dashboard, each read with a few rows and with ten times as many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amends.accounts.services import account_create, contact_create
from amends.complaints.intake import complaint_receive
from amends.complaints.models import Channel
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db


def queries(client, path: str) -> int:
    client.get(path)  # the first visit may set things up (a session, a team's page)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
        assert response.status_code == 200, response.content[:300]
    return len(captured)


@pytest.fixture
def grow(people, account, declare):
    """``count`` more of everything: accounts, complaints (on Harbor Printing's
    account too), contacts and cases on Harbor Printing."""
    actor = Actor(user=people.agent, via="web")
    made = {"n": 0}

    def grow(count: int) -> None:
        for _ in range(count):
            made["n"] += 1
            n = made["n"]
            other = account_create(actor=actor, team=people.north, name=f"Client {n}")
            contact_create(actor=actor, account=account, name=f"Person {n}", email=f"p{n}@x.io")
            complaint_receive(
                text=f"Complaint {n}",
                team=people.north,
                channel=Channel.FEEDBACK_PAGE,
                customer_name="Joanna Nowak",
                customer_email="joanna@harbor.example",
            )
            declare([account, other], title=f"Incident {n}")

    return grow


@pytest.mark.parametrize("who", ["admin", "manager"])
def test_the_inbox_and_the_account_page_cost_the_same_however_full(
    client, people, account, grow, who
):
    client.force_login(getattr(people, who))
    paths = ["/inbox/", f"/accounts/{account.pk}/", "/accounts/"]
    grow(3)
    few = [queries(client, path) for path in paths]
    grow(27)
    assert [queries(client, path) for path in paths] == few


def test_the_lists_of_the_api_cost_the_same_however_full(call, people, account, grow):
    paths = ["/api/v1/complaints", "/api/v1/accounts", f"/api/v1/accounts/{account.pk}"]

    def count(path: str) -> int:
        call("get", path, user=people.manager)  # the first call makes the token
        with CaptureQueriesContext(connection) as captured:
            assert call("get", path, user=people.manager).status_code == 200
        return len(captured)

    grow(3)
    few = [count(path) for path in paths]
    grow(27)
    assert [count(path) for path in paths] == few


def test_a_warm_dashboard_costs_the_same_however_much_it_counts(client, people, grow):
    client.force_login(people.manager)
    grow(3)
    client.get("/insights/")
    few = queries(client, "/insights/")
    grow(27)
    client.get("/insights/")
    assert queries(client, "/insights/") == few
