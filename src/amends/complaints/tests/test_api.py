"""The inbox through the API, with a personal token, person by person."""

from datetime import timedelta

import pytest
from django.utils import timezone

from amends.complaints.models import AbuseReport

pytestmark = pytest.mark.django_db


WRITES = [
    ("acknowledge", None),
    ("answer", {"answer": "Sorry."}),
    ("resolve", None),
    ("satisfaction", {"satisfaction": 4}),
    ("flag", {"flag": "venting"}),
]


def test_it_lists_and_filters_the_inbox(call, people, receive, account):
    now = timezone.now()
    receive("Old and late.", now=now - timedelta(days=2))
    fresh = receive("Fresh.", customer_email="joanna@harbor.example")
    receive("Not ours.", team=people.south)

    listed = call("get", "/api/v1/complaints").json()
    assert [c["text"] for c in listed["items"]] == ["Fresh.", "Old and late."]
    assert listed["count"] == 2
    late = call("get", "/api/v1/complaints?late=true").json()["items"]
    assert [c["text"] for c in late] == ["Old and late."] and late[0]["late"] is True
    by_account = call("get", f"/api/v1/complaints?account_id={account.pk}").json()["items"]
    assert [c["id"] for c in by_account] == [fresh.pk]
    assert call("get", "/api/v1/complaints?flag=flagged").json()["count"] == 0
    assert call("get", "/api/v1/complaints?channel=feedback_page").json()["count"] == 2
    assert call("get", "/api/v1/complaints?flag=odd").status_code == 422


def test_it_walks_a_complaint_through_the_api(call, people, receive, account):
    complaint = receive(customer_email="joanna@harbor.example")
    url = f"/api/v1/complaints/{complaint.pk}"

    read = call("get", url).json()
    assert read["acknowledged_at"] is None and read["team"] == "north"
    assert call("post", f"{url}/acknowledge").json()["acknowledged_at"]
    assert call("post", f"{url}/acknowledge").status_code == 422
    early = call("post", f"{url}/satisfaction", {"satisfaction": 5})
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "satisfaction"
    answered = call("post", f"{url}/answer", {"answer": "I am sorry. Reprint today."}).json()
    assert answered["answer"] == "I am sorry. Reprint today." and answered["answered_by"] == "alex"
    assert call("post", f"{url}/resolve").json()["resolved_at"]
    assert call("post", f"{url}/satisfaction", {"satisfaction": 6}).status_code == 422
    assert call("post", f"{url}/satisfaction", {"satisfaction": 5}).json()["satisfaction"] == 5


def test_it_flags_abuse_and_suggests_parting_through_the_api(call, people, receive, account):
    first = receive("Shouting.", customer_email="joanna@harbor.example")
    second = receive("Threats.", customer_email="joanna@harbor.example")
    missing = call("post", f"/api/v1/complaints/{first.pk}/flag", {"flag": "abusive"})
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {"staff", "description"}

    body = {"flag": "abusive", "staff": "vic", "description": "Called her names."}
    one = call("post", f"/api/v1/complaints/{first.pk}/flag", body).json()
    assert one["flag"] == "abusive" and one["suggested_for_parting"] is False
    two = call("post", f"/api/v1/complaints/{second.pk}/flag", body).json()
    assert two["suggested_for_parting"] is True
    assert AbuseReport.objects.filter(account=account, staff=people.viewer).count() == 2
    listed = call("get", "/api/v1/complaints?flag=abusive").json()["items"]
    assert all(c["suggested_for_parting"] for c in listed)


def test_an_outsider_learns_nothing(call, people, receive):
    complaint = receive()
    assert call("get", "/api/v1/complaints", user=people.outsider).json()["count"] == 0
    url = f"/api/v1/complaints/{complaint.pk}"
    assert call("get", url, user=people.outsider).status_code == 404
    for action, body in WRITES:
        response = call("post", f"{url}/{action}", body, user=people.outsider)
        assert response.status_code == 404, action
        assert response.json()["message"] == "No such complaint."


def test_a_viewer_reads_but_changes_nothing(call, people, receive):
    complaint = receive()
    url = f"/api/v1/complaints/{complaint.pk}"
    assert call("get", url, user=people.viewer).status_code == 200
    for action, body in WRITES:
        response = call("post", f"{url}/{action}", body, user=people.viewer)
        assert response.status_code == 403, action
    complaint.refresh_from_db()
    assert complaint.acknowledged_at is None and complaint.answer == ""


def test_it_needs_a_token(client, receive):
    assert client.get("/api/v1/complaints").status_code == 401
