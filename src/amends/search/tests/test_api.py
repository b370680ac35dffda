"""Search through the API: GET /api/v1/search, and ``q`` on the inbox and case lists,
person by person (the agent of North, its viewer, the outsider from South)."""

import pytest

from amends.complaints.intake import complaint_receive
from amends.complaints.models import Channel
from amends.recovery.models import Playbook
from amends.recovery.opening import case_open
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def receive(people):
    def receive(text, team=None, **extra):
        return complaint_receive(
            team=team or people.north, channel=Channel.FEEDBACK_PAGE, text=text, **extra
        )

    return receive


@pytest.fixture
def case(people, account):
    return case_open(
        actor=Actor(user=people.agent, via="web"),
        account=account,
        playbook=Playbook.objects.get(kind="mistake"),
        severity=2,
        reason="Forms printed with the wrong year",
    )


def _kinds(body) -> dict[str, list[str]]:
    return {g["kind"]: [item["title"] for item in g["items"]] for g in body["groups"]}


def test_it_searches_everything_grouped_by_kind(call, people, account, case, receive):
    receive("Harbor: 订单 号码 wrong on every form", customer_name="Λίνα")

    body = call("get", "/api/v1/search?q=harbor").json()

    assert body["q"] == "harbor"
    # The contact by her address, joanna@harbor.example.
    assert list(_kinds(body)) == ["account", "contact", "conversation", "case"]
    assert _kinds(body)["account"] == ["Harbor Printing Ltd"]
    item = body["groups"][0]["items"][0]
    assert item["url"] == f"/accounts/{account.pk}/" and item["id"] == account.pk
    assert _kinds(call("get", "/api/v1/search?q=订单").json()) == {
        "conversation": ["Harbor: 订单 号码 wrong on every form"]
    }
    assert "conversation" in _kinds(call("get", "/api/v1/search?q=λινα").json())


def test_it_narrows_to_kinds_and_limits_each(call, people, account, receive):
    for n in range(4):
        receive(f"Harbor parcel {n}")
    body = call("get", "/api/v1/search?q=harbor&kind=conversation&limit=2").json()
    assert list(_kinds(body)) == ["conversation"]
    assert len(body["groups"][0]["items"]) == 2 and body["groups"][0]["more"] is True
    assert call("get", "/api/v1/search?q=harbor&kind=planet").status_code == 422


def test_it_shows_the_outsider_nothing_of_another_team(call, people, account, case, receive):
    complaint = receive("Harbor lost the proofs")
    outsider = call("get", "/api/v1/search?q=harbor", user=people.outsider)
    assert outsider.status_code == 200 and outsider.json()["groups"] == []
    listed = call("get", "/api/v1/complaints?q=harbor", user=people.outsider).json()
    assert listed["count"] == 0
    assert call("get", "/api/v1/cases?q=harbor", user=people.outsider).json()["count"] == 0
    # What the search did not show, the object's own endpoint does not either.
    assert (
        call("get", f"/api/v1/complaints/{complaint.pk}", user=people.outsider).status_code == 404
    )
    assert call("get", f"/api/v1/cases/{case.pk}", user=people.outsider).status_code == 404


def test_it_lets_a_viewer_search_but_not_change_what_it_finds(call, people, receive):
    receive("Proofs arrived torn")
    body = call("get", "/api/v1/search?q=torn", user=people.viewer).json()
    [found] = body["groups"][0]["items"]
    answer = call("post", f"/api/v1/complaints/{found['id']}/acknowledge", user=people.viewer)
    assert answer.status_code == 403


def test_it_filters_the_inbox_and_cases_by_words(call, people, account, case, receive):
    receive("Die Lieferung kam zu spät")
    receive("Η παραγγελία άργησε")
    receive("Zamówienie przyszło uszkodzone")

    def texts(q):
        return [c["text"] for c in call("get", f"/api/v1/complaints?q={q}").json()["items"]]

    assert texts("spat") == ["Die Lieferung kam zu spät"]
    assert texts("παραγγελια") == ["Η παραγγελία άργησε"]
    assert texts("zamowienie uszk") == ["Zamówienie przyszło uszkodzone"]
    assert len(texts("")) == 3
    cases = call("get", "/api/v1/cases?q=wrong%20year").json()
    assert [c["id"] for c in cases["items"]] == [case.pk]
    assert call("get", "/api/v1/cases?q=harbor&include_closed=true").json()["count"] == 1
    assert call("get", "/api/v1/cases?q=nothing").json()["count"] == 0


def test_it_refuses_a_query_too_long_or_empty(call):
    long = call("get", "/api/v1/search?q=" + "x" * 201)
    assert long.status_code == 422 and long.json()["errors"][0]["field"] == "q"
    assert call("get", "/api/v1/search?q=").status_code == 422
    assert call("get", "/api/v1/complaints?q=" + "x" * 201).status_code == 422
    assert call("get", "/api/v1/cases?q=" + "x" * 201).status_code == 422


def test_it_needs_authentication(client):
    assert client.get("/api/v1/search?q=harbor").status_code == 401
