"""Changing who owns a case or a promise: checked, and on the timeline."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from amends.accounts.models import ProtectedStaff
from amends.recovery.ownership import case_owner_set, commitment_owner_set
from amends.recovery.services import commitment_add
from amends.timeline.models import Event
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(declare, account):
    return declare([account]).cases.get()


def test_it_hands_a_case_to_a_teammate_and_records_it(people, case):
    manager = Actor(user=people.manager, via="web")
    case_owner_set(actor=manager, case=case, owner=people.manager)
    case.refresh_from_db()
    assert case.owner == people.manager
    event = Event.objects.get(action="case.owner_changed")
    assert event.before == {"owner": "alex"} and event.after == {"owner": "mia"}


def test_it_refuses_an_outsider_a_viewer_and_someone_protected(people, case):
    manager = Actor(user=people.manager, via="web")
    with pytest.raises(ValidationError):
        case_owner_set(actor=manager, case=case, owner=people.outsider)
    with pytest.raises(ValidationError):
        case_owner_set(actor=manager, case=case, owner=people.viewer)
    ProtectedStaff.objects.create(account=case.account, user=people.manager)
    with pytest.raises(ValidationError, match="protected"):
        case_owner_set(actor=manager, case=case, owner=people.manager)
    with pytest.raises(PermissionDenied):
        case_owner_set(actor=Actor(user=people.viewer, via="web"), case=case, owner=people.agent)


def test_it_hands_an_open_promise_to_a_teammate(people, case):
    agent = Actor(user=people.agent, via="web")
    promise = commitment_add(
        actor=agent,
        case=case,
        what="Reprint the forms",
        measure="Forms delivered",
        owner=people.agent,
        due_at=timezone.now() + timedelta(days=2),
    )
    commitment_owner_set(actor=agent, commitment=promise, owner=people.manager)
    promise.refresh_from_db()
    assert promise.owner == people.manager
    assert Event.objects.filter(action="case.commitment_owner_changed").count() == 1
