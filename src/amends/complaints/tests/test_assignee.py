"""A conversation has an assignee (issue 15): given on its page or through the API,
recorded, told; the inbox and My work find what is mine."""

import pytest

from amends.complaints.intake import complaint_receive
from amends.complaints.models import Channel
from amends.timeline.models import Event, Notification
from conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(people):
    return complaint_receive(
        team=people.north, channel=Channel.API, text="The labels came late.", customer_name="Jo"
    )


def test_the_api_assigns_and_unassigns(call, people, conversation):
    url = f"/api/v1/complaints/{conversation.pk}/assignee"
    given = call("post", url, {"assignee": "mia"})
    assert given.status_code == 200 and given.json()["assignee"] == "mia"
    assert Event.objects.filter(action="complaint.assigned", subject_id=conversation.pk).exists()
    [told] = Notification.objects.filter(recipient=people.manager)
    assert told.path == f"/inbox/{conversation.pk}/"
    taken_back = call("post", url, {"assignee": None})
    assert taken_back.json()["assignee"] is None


def test_outsiders_viewers_and_strangers_cannot_be_given_or_give_it(call, people, conversation):
    url = f"/api/v1/complaints/{conversation.pk}/assignee"
    assert call("post", url, {"assignee": "otto"}).status_code == 422
    assert call("post", url, {"assignee": "vic"}).status_code == 422
    assert call("post", url, {"assignee": "alex"}, user=people.outsider).status_code == 404
    assert call("post", url, {"assignee": "alex"}, user=people.viewer).status_code == 403
    conversation.refresh_from_db()
    assert conversation.assignee is None


def test_the_inbox_and_the_api_list_what_is_assigned_to_me(call, client, people, conversation):
    other = complaint_receive(team=people.north, channel=Channel.API, text="Another one")
    call(
        "post",
        f"/api/v1/complaints/{conversation.pk}/assignee",
        {"assignee": "alex"},
        user=people.manager,
    )
    mine = call("get", "/api/v1/complaints?assigned=me").json()
    assert [item["id"] for item in mine["items"]] == [conversation.pk]
    nobody = call("get", "/api/v1/complaints?assigned=nobody").json()
    assert [item["id"] for item in nobody["items"]] == [other.pk]
    assert call("get", "/api/v1/complaints?assigned=them").status_code == 422
    login(client, people.agent)
    page = client.get("/inbox/?assigned=me")
    assert [c.pk for c in page.context["rows"]] == [conversation.pk]
    work = client.get("/cases/")
    assert "Conversations to answer" in work.content.decode()
    assert f"/inbox/{conversation.pk}/" in work.content.decode()


def test_the_conversation_page_assigns(client, people, conversation):
    login(client, people.manager)
    client.post(f"/inbox/{conversation.pk}/assignee/", {"assignee": people.agent.pk})
    conversation.refresh_from_db()
    assert conversation.assignee == people.agent
    client.post(f"/inbox/{conversation.pk}/assignee/", {"assignee": people.outsider.pk})
    conversation.refresh_from_db()
    assert conversation.assignee == people.agent
