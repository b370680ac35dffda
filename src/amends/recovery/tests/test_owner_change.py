"""Who owns what (issue 15): a case given to someone else, on the page and through the
API, recorded and told; My work shows mine by default; an escalation is listed once."""

import pytest
from django.utils import timezone

from amends.recovery.models import Escalation, EscalationLevel
from amends.recovery.selectors import my_work
from amends.timeline.models import Event, Notification, NotificationKind
from conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(account, declare):
    return declare([account]).cases.get()


def test_the_api_gives_a_case_to_someone_of_the_team(call, people, case):
    url = f"/api/v1/cases/{case.pk}/owner"
    answer = call("post", url, {"owner": "mia"})
    assert answer.status_code == 200, answer.content
    case.refresh_from_db()
    assert case.owner == people.manager
    assert Event.objects.filter(action="case.owner_changed", subject_id=case.pk).exists()
    [told] = Notification.objects.filter(recipient=people.manager)
    assert told.kind == NotificationKind.ASSIGNED and told.path == f"/cases/{case.pk}/"
    assert "alex gave you the case" in told.summary


def test_only_the_team_s_writers_may_own_or_give_a_case(call, people, case):
    url = f"/api/v1/cases/{case.pk}/owner"
    assert call("post", url, {"owner": "otto"}).status_code == 422  # of another team
    assert call("post", url, {"owner": "vic"}).status_code == 422  # a viewer owns nothing
    assert call("post", url, {"owner": "mia"}, user=people.outsider).status_code == 404
    assert call("post", url, {"owner": "mia"}, user=people.viewer).status_code == 403
    case.refresh_from_db()
    assert case.owner == people.agent
    assert not Notification.objects.exists()


def test_the_case_page_gives_the_case(client, people, case):
    login(client, people.agent)
    page = client.get(f"/cases/{case.pk}/")
    assert b'action="/cases/%d/owner/"' % case.pk in page.content
    client.post(f"/cases/{case.pk}/owner/", {"owner": people.manager.pk})
    case.refresh_from_db()
    assert case.owner == people.manager
    # Nobody is told of what they did themselves.
    login(client, people.manager)
    client.post(f"/cases/{case.pk}/owner/", {"owner": people.manager.pk})
    assert Notification.objects.filter(recipient=people.manager).count() == 1


def test_my_work_shows_my_cases_and_the_team_s_on_request(client, people, case, account, declare):
    other = declare([account]).cases.get()
    other.owner = people.manager
    other.save()
    login(client, people.agent)
    mine = client.get("/cases/")
    assert mine.context["cases"].paginator.count == 1
    team = client.get("/cases/?scope=team")
    assert team.context["cases"].paginator.count == 2


def test_an_escalation_at_two_levels_to_one_person_is_listed_once(people, case):
    step = case.steps.order_by("order").first()
    now = timezone.now()
    for level in (EscalationLevel.OWNER, EscalationLevel.MANAGER):
        Escalation.objects.create(
            case=case, step=step, level=level, recipient=people.agent, reason="Late", raised_at=now
        )
    assert len(my_work(user=people.agent, now=now).escalations) == 1


def test_a_promise_is_never_made_for_the_past_nor_free_unless_said(call, people, case):
    from datetime import timedelta

    url = f"/api/v1/cases/{case.pk}/commitments"
    promise = {"what": "Reprint", "measure": "Delivered", "owner": "alex"}
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    refused = call("post", url, {**promise, "due_at": past})
    assert refused.status_code == 422 and "future" in refused.content.decode()
    future = (timezone.now() + timedelta(days=2)).isoformat()
    made = call("post", url, {**promise, "due_at": future})
    assert made.status_code == 201 and made.json()["free_of_charge"] is False
