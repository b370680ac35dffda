"""A case walked end to end through the API, as docs/api.md shows it."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone


@pytest.mark.django_db
def test_it_walks_a_case_end_to_end_through_the_api(call, account, people):
    now = timezone.now()
    declared = call(
        "post",
        "/api/v1/incidents",
        {
            "team": "north",
            "title": "Wrong year on 65,000 forms",
            "occurred_at": (now - timedelta(hours=5)).isoformat(),
            "discovered_at": (now - timedelta(hours=1)).isoformat(),
            "severity": 1,
            "cause": "supplier",
            "tags": ["printing"],
            "affected": [{"account_id": account.pk, "units": 65000, "impact": "forms unusable"}],
        },
    )
    assert declared.status_code == 201, declared.content
    case_id = declared.json()["cases"][0]["id"]
    case = call("get", f"/api/v1/cases/{case_id}").json()
    steps = {s["key"]: s["id"] for s in case["steps"]}
    assert case["steps"][0]["state"] == "due"

    def record(kind, data):
        response = call("post", f"/api/v1/cases/{case_id}/records", {"kind": kind, "data": data})
        assert response.status_code == 201, response.content

    assert call(
        "post", f"/api/v1/cases/{case_id}/pause", {"reason": "Waiting for their site list"}
    ).json()["paused"]
    assert not call("post", f"/api/v1/cases/{case_id}/resume").json()["paused"]
    record("contact", {"channel": "call", "with_whom": "Joanna Nowak"})
    record(
        "conversation",
        {
            "participants": "Joanna",
            "answers": [{"question": "How can we help?", "answer": "Reprint"}],
        },
    )
    record("apology", {"channel": "in_person", "words": "I am sorry we let you down."})
    record("explanation", {"text": "The plates carried last year's template."})
    record("preventive_change", {"what": "Proof check", "how_customer_is_told": "Call"})
    record("gesture", {"gift_kind": "advice", "description": "Layout review", "cost": "300"})
    promise = call(
        "post",
        f"/api/v1/cases/{case_id}/commitments",
        {
            "what": "Reprint all forms",
            "measure": "Delivered and counted",
            "due_at": (now + timedelta(hours=24)).isoformat(),
        },
    )
    assert promise.status_code == 201
    promise_id = promise.json()["id"]
    renegotiated = call(
        "post",
        f"/api/v1/commitments/{promise_id}/resolve",
        {
            "status": "renegotiated",
            "reason": "Paper shortage",
            "due_at": (now + timedelta(hours=30)).isoformat(),
        },
    )
    assert renegotiated.json()["status"] == "open"
    kept = call(
        "post", f"/api/v1/commitments/{renegotiated.json()['id']}/resolve", {"status": "kept"}
    )
    assert kept.json()["status"] == "kept"
    # Every step but the last completed itself as its record or promise came in.
    refused = call("post", f"/api/v1/cases/{case_id}/close", {"outcome": "recovered"})
    assert refused.status_code == 422
    states = {s["key"]: s["state"] for s in call("get", f"/api/v1/cases/{case_id}").json()["steps"]}
    assert [key for key, state in states.items() if state != "done"] == ["attentive"]
    record("follow_up", {"note": "Customer says all is well", "released": True})
    again = call("post", f"/api/v1/cases/{case_id}/steps/{steps['attentive']}/complete")
    assert again.status_code == 422 and "already finished" in again.content.decode()
    closed = call("post", f"/api/v1/cases/{case_id}/close", {"outcome": "recovered"})
    assert closed.json()["outcome"] == "recovered"
    again = call("post", f"/api/v1/cases/{case_id}/pause", {"reason": "x"})
    assert again.status_code == 422 and "closed" in again.json()["errors"][0]["message"]

    incident_id = declared.json()["id"]
    call(
        "patch",
        f"/api/v1/incidents/{incident_id}/postmortem",
        {
            "what_happened": "Harbor Printing Ltd received forms with the wrong year.",
            "what_changed": "A proof check before every run.",
            "publish": True,
        },
    )
    url = call("get", f"/api/v1/incidents/{incident_id}/postmortem").json()["public_url"]
    public = call("get", url)
    assert public.status_code == 200
    assert "wrong year" in public.text and "Harbor Printing" not in public.text


@pytest.mark.django_db
def test_it_gives_the_outsider_and_viewer_no_access_to_cases(call, account, people):
    now = timezone.now()
    declared = call(
        "post",
        "/api/v1/incidents",
        {
            "team": "north",
            "title": "Late delivery",
            "occurred_at": (now - timedelta(hours=2)).isoformat(),
            "cause": "process",
            "affected": [{"account_id": account.pk}],
        },
    ).json()
    case_id = declared["cases"][0]["id"]
    step_id = call("get", f"/api/v1/cases/{case_id}").json()["steps"][0]["id"]
    urls = [
        ("get", f"/api/v1/cases/{case_id}", None),
        ("get", f"/api/v1/incidents/{declared['id']}", None),
        ("post", f"/api/v1/cases/{case_id}/pause", {"reason": "x"}),
        ("post", f"/api/v1/cases/{case_id}/steps/{step_id}/skip", {"reason": "x"}),
        (
            "post",
            f"/api/v1/cases/{case_id}/records",
            {"kind": "explanation", "data": {"text": "x"}},
        ),
    ]
    for method, url, body in urls:
        assert call(method, url, body, user=people.outsider).status_code == 404, url
    assert call("get", f"/api/v1/cases/{case_id}", user=people.viewer).status_code == 200
    for method, url, body in urls[2:]:
        assert call(method, url, body, user=people.viewer).status_code == 403, url
    outsider_declares = call(
        "post",
        "/api/v1/incidents",
        {
            "team": "south",
            "title": "x",
            "occurred_at": now.isoformat(),
            "cause": "process",
            "affected": [{"account_id": account.pk}],
        },
        user=people.outsider,
    )
    assert outsider_declares.status_code == 422


def _clients(people, count, prefix="Client"):
    from amends.accounts.services import account_create
    from amends.timeline.services import Actor

    return [
        account_create(actor=Actor.system(), team=people.north, name=f"{prefix} {n}")
        for n in range(count)
    ]


SUMMARY = {
    "id",
    "account_id",
    "account",
    "team",
    "playbook",
    "incident_id",
    "owner",
    "state",
    "severity",
    "last_chance",
    "opened_at",
    "closed_at",
    "outcome",
    "progress",
    "next_due_at",
    "url",
}


@pytest.mark.django_db
def test_it_lists_cases_a_page_at_a_time_as_summaries(call, people, declare):
    incident = declare(_clients(people, 20))
    first = call("get", "/api/v1/cases?page_size=8").json()
    assert (first["count"], first["page"], first["pages"], first["page_size"]) == (20, 1, 3, 8)
    assert len(first["items"]) == 8
    last = call("get", "/api/v1/cases?page_size=8&page=3").json()
    assert (last["page"], len(last["items"])) == (3, 4)
    every = call("get", "/api/v1/cases").json()  # 25 a page unless asked
    assert (every["count"], every["pages"], every["page_size"]) == (20, 1, 25)
    assert len({item["id"] for item in every["items"]}) == 20

    item = every["items"][0]
    assert set(item) == SUMMARY  # no steps, records, commitments or escalations
    case = incident.cases.get(pk=item["id"])
    first_step = case.steps.order_by("due_at").first()
    assert item["account"] == case.account.name and item["team"] == "north"
    assert (item["playbook"], item["state"], item["incident_id"]) == (
        "mistake",
        "open",
        incident.pk,
    )
    assert item["progress"] == {"done": 0, "total": 9, "late": 0, "broken": 0}
    next_due = datetime.fromisoformat(item["next_due_at"])
    assert abs(next_due - first_step.due_at) < timedelta(milliseconds=1)  # JSON keeps ms
    assert item["url"] == f"/cases/{case.pk}/"
    # The case itself still has everything.
    detail = call("get", f"/api/v1/cases/{case.pk}").json()
    assert len(detail["steps"]) == 9 and "records" in detail


@pytest.mark.django_db
def test_it_refuses_a_page_size_over_200_or_a_page_below_1(call, people):
    for query, field in [
        ("page_size=201", "page_size"),
        ("page_size=0", "page_size"),
        ("page=0", "page"),
    ]:
        refused = call("get", f"/api/v1/cases?{query}")
        assert refused.status_code == 422
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert call("get", "/api/v1/cases?page_size=200").status_code == 200
    # A page past the last is the last, as for accounts.
    assert call("get", "/api/v1/cases?page=99").json()["page"] == 1


@pytest.mark.django_db
def test_it_lists_the_most_urgent_open_cases_first_and_the_closed_only_when_asked(
    call, people, declare
):
    from amends.incidents.models import Severity
    from amends.recovery.models import RecoveryCase
    from amends.recovery.services import case_pause
    from amends.timeline.services import Actor

    minor = list(
        declare(_clients(people, 2, "Minor"), severity=Severity.MINOR).cases.order_by("id")
    )
    critical = list(
        declare(_clients(people, 2, "Critical"), severity=Severity.CRITICAL).cases.order_by("id")
    )
    paused, closed = minor[0], critical[1]
    case_pause(actor=Actor.system(), case=paused, reason="Waiting for their list")
    RecoveryCase.objects.filter(pk=closed.pk).update(closed_at=timezone.now(), outcome="recovered")

    listed = call("get", "/api/v1/cases").json()["items"]
    assert [i["id"] for i in listed] == [critical[0].pk, minor[0].pk, minor[1].pk]
    assert {i["id"]: i["state"] for i in listed}[paused.pk] == "paused"

    every = call("get", "/api/v1/cases?include_closed=true").json()
    assert every["count"] == 4
    shown = {i["id"]: i for i in every["items"]}
    assert (shown[closed.pk]["state"], shown[closed.pk]["outcome"]) == ("closed", "recovered")
    assert shown[closed.pk]["next_due_at"] is None
    # With the closed ones: the latest opened first.
    opened = [i["opened_at"] for i in every["items"]]
    assert opened == sorted(opened, reverse=True)


@pytest.mark.django_db
def test_an_outsider_lists_none_of_another_teams_cases(call, people, declare):
    declare(_clients(people, 3))
    assert call("get", "/api/v1/cases", user=people.admin).json()["count"] == 3
    listed = call("get", "/api/v1/cases?include_closed=true", user=people.outsider).json()
    assert (listed["count"], listed["items"]) == (0, [])


@pytest.mark.django_db
def test_it_takes_an_apology_or_a_promise_only_from_someone_on_the_team(
    call, account, people, declare
):
    case = declare([account]).cases.get()
    apology = {"kind": "apology", "data": {"channel": "call", "words": "I am sorry."}}
    refused = call("post", f"/api/v1/cases/{case.pk}/records", {**apology, "by": "otto"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "by", "message": "no one named 'otto' works for this team"}
    ]
    promise = {
        "what": "Reprint",
        "measure": "Signed for",
        "due_at": (timezone.now() + timedelta(days=2)).isoformat(),
        "owner": "otto",
    }
    assert call("post", f"/api/v1/cases/{case.pk}/commitments", promise).status_code == 422
    accepted = call("post", f"/api/v1/cases/{case.pk}/records", {**apology, "by": "mia"})
    assert accepted.status_code == 201 and accepted.json()["by"] == "mia"
    assert case.records.count() == 1
