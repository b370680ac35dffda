from datetime import timedelta

import pytest
from django.utils import timezone

from amends.accounts.models import Lifecycle


def _day(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


CONVERSATION = {
    "not_working": "Rush orders every week",
    "our_part": "We accepted deadlines we could not meet",
    "their_part": "Orders arrive late on Fridays",
    "options": "A cut-off; a rush partner; parting",
    "our_people": ["alex", "mia"],
    "their_people": "Joanna Nowak",
}


def test_it_walks_a_mutual_parting_through_the_api(call, people, parting_case, account, mailoutbox):
    base = f"/api/v1/cases/{parting_case.pk}/parting"
    response = call("post", f"{base}/conversation", CONVERSATION)
    assert response.status_code == 201
    assert response.json()["conversation"]["our_people"] == ["alex", "mia"]
    response = call(
        "post",
        f"{base}/decision",
        {
            "decision": "part",
            "end_on": _day(30),
            "items": [{"kind": "final_invoice", "what": "Final invoice", "due_on": _day(31)}],
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "items", "message": "The plan needs a data hand-over."}
    ]
    response = call(
        "post",
        f"{base}/decision",
        {
            "decision": "part",
            "end_on": _day(30),
            "update_every_days": 14,
            "items": [
                {"kind": "final_invoice", "what": "Final invoice", "due_on": _day(31)},
                {"kind": "data_handover", "what": "Files", "owner": "mia", "due_on": _day(20)},
            ],
        },
    )
    assert response.status_code == 201, response.json()
    plan = response.json()["plan"]
    assert [i["kind"] for i in plan["items"]] == ["data_handover", "end", "final_invoice"]
    assert plan["items"][0]["owner"] == "mia"
    response = call("post", f"{base}/updates", {"text": "All on track for the 30th."})
    assert response.status_code == 201
    assert response.json()["emailed_to"] == ["joanna@harbor.example"]
    assert len(mailoutbox) == 1
    for item in plan["items"]:
        assert call("post", f"{base}/items/{item['id']}/done").status_code == 200
    response = call("post", f"{base}/close", {})
    assert response.status_code == 422
    assert "final conversation" in response.json()["errors"][0]["message"]
    call("post", f"{base}/final-conversation", {"note": "Parted as friends"})
    response = call("post", f"{base}/feedback", {"rating": 6})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "rating"
    call("post", f"{base}/feedback", {"rating": 5, "would_recommend": True})
    response = call("post", f"{base}/close", {"note": "Done"})
    assert response.status_code == 200
    assert response.json()["outcome"] == "parted"
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.CHURNED


def test_it_continues_through_the_api(call, parting_case):
    base = f"/api/v1/cases/{parting_case.pk}/parting"
    call("post", f"{base}/conversation", CONVERSATION)
    response = call(
        "post",
        f"{base}/decision",
        {"decision": "continue", "agreed": "Thursday cut-off", "attentive_days": 30},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["conversation"]["decision"] == "continue"
    assert len(body["follow_ups"]) == 2  # days 14 and 28
    assert body["plan"] is None


@pytest.mark.parametrize(
    ("who", "status"), [(None, 401), ("outsider", 404), ("viewer", 403), ("agent", 201)]
)
def test_it_keeps_the_parting_from_those_who_must_not_change_it(
    client, call, people, parting_case, who, status
):
    url = f"/api/v1/cases/{parting_case.pk}/parting/conversation"
    if who is None:
        response = client.post(url, CONVERSATION, content_type="application/json")
    else:
        response = call("post", url, CONVERSATION, user=getattr(people, who))
    assert response.status_code == status


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("viewer", 200)])
def test_it_lets_the_team_read_and_hides_from_outsiders(call, people, parting_case, who, status):
    url = f"/api/v1/cases/{parting_case.pk}/parting"
    assert call("get", url, user=getattr(people, who)).status_code == status


@pytest.mark.parametrize(("who", "status"), [("agent", 403), ("outsider", 404), ("manager", 201)])
def test_it_lets_only_a_manager_let_a_customer_go(call, people, account, who, status):
    body = {
        "reason": "Threats against our staff",
        "protected_staff": ["alex"],
        "end_on": _day(10),
        "items": [
            {"kind": "data_handover", "what": "Files", "due_on": _day(5)},
            {"kind": "final_invoice", "what": "Invoice", "due_on": _day(10)},
        ],
    }
    response = call(
        "post", f"/api/v1/accounts/{account.pk}/let-go", body, user=getattr(people, who)
    )
    assert response.status_code == status
    if status == 201:
        plan = response.json()["plan"]
        assert plan["kind"] == "abuse"
        assert plan["protected_staff"] == ["alex"]
        assert {i["owner"] for i in plan["items"]} == {"mia"}


@pytest.mark.parametrize(
    "path",
    [
        "conversation",
        "decision",
        "items",
        "items/1/done",
        "updates",
        "final-conversation",
        "feedback",
        "close",
    ],
)
def test_it_refuses_every_parting_action_to_outsiders_and_viewers(call, people, parting_case, path):
    url = f"/api/v1/cases/{parting_case.pk}/parting/{path}"
    body = {
        "conversation": CONVERSATION,
        "decision": {"decision": "continue", "agreed": "x"},
        "items": {"kind": "next_step", "what": "x", "due_on": _day(3)},
        "updates": {"text": "x"},
        "final-conversation": {"note": "x"},
        "feedback": {"rating": 3},
    }.get(path.split("/")[0], {})
    assert call("post", url, body, user=people.outsider).status_code == 404
    assert call("post", url, body, user=people.viewer).status_code == 403
    assert not parting_case.records.exists()
