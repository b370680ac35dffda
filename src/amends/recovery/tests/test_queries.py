"""The pages people open every morning cost a fixed number of queries, whatever the
number of cases (issue 13): an N+1 or a per-row count cannot come back unseen."""

import pytest
from django.db import connection, transaction
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


@pytest.mark.parametrize("query", ["", "?page_size=200", "?include_closed=true&page_size=2&page=2"])
def test_the_case_list_api_costs_the_same_with_3_cases_or_30(client, people, grow, query):
    from amends.people.services import token_create

    issued = token_create(user=people.agent, name="count")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    client.get("/api/v1/cases", **auth)  # the token's first use is written down once
    grow(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"/api/v1/cases{query}", **auth).status_code == 200
    grow(27)
    with CaptureQueriesContext(connection) as many:
        assert client.get(f"/api/v1/cases{query}", **auth).status_code == 200
    assert len(many) == len(few)


def _work_on(case, people, count: int):
    """``count`` more records and promises on the case, one promise renegotiated,
    the steps they allow done: what makes a case page long."""
    from datetime import timedelta

    from django.utils import timezone

    from amends.recovery.services import (
        commitment_add,
        commitment_renegotiate,
        record_add,
        step_complete,
    )

    actor = Actor(user=people.agent, via="web")
    due = timezone.now() + timedelta(days=2)
    for n in range(count):
        record_add(
            actor=actor, case=case, kind="contact", data={"channel": "call", "with_whom": f"P{n}"}
        )
        promise = commitment_add(
            actor=actor,
            case=case,
            what=f"Reprint {n}",
            measure="Delivered",
            owner=people.agent,
            due_at=due,
        )
    commitment_renegotiate(actor=actor, commitment=promise, reason="Later", due_at=due)
    step = case.steps.get(key="first_contact")
    if step.done_at is None:
        step_complete(actor=actor, step=step)


@pytest.mark.parametrize("who", ["agent", "viewer"])
def test_the_case_page_costs_the_same_with_3_records_and_promises_or_30(client, people, grow, who):
    client.force_login(getattr(people, who))
    case = grow(1).cases.get()
    _work_on(case, people, 3)
    few = queries(client, f"/cases/{case.pk}/")
    _work_on(case, people, 27)
    assert queries(client, f"/cases/{case.pk}/") == few


def test_a_records_form_costs_the_same_whatever_the_case_holds(client, people, grow):
    client.force_login(people.agent)
    case = grow(1).cases.get()
    url = f"/cases/{case.pk}/records/apology/"
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    _work_on(case, people, 30)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("include_closed", "index"), [(False, "case_open_order"), (True, "case_recent")]
)
def test_the_case_list_is_read_from_an_index_in_its_order(people, grow, include_closed, index):
    """A page of the list is the first rows of an index, not a sort of every case."""
    from amends.recovery.selectors import case_list

    grow(3)
    page = case_list(user=people.admin, include_closed=include_closed)[:25]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A handful of rows are cheaper to sort than to look up: ask PostgreSQL
            # for the plan it would take at scale.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off")
        plan = page.explain()
    assert index in plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan
