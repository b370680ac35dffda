from datetime import timedelta

import pytest
from django.utils import timezone

from amends.parting.services import ExitItemInput
from amends.recovery.models import Playbook, PlaybookKind
from amends.recovery.opening import case_open
from amends.timeline.services import Actor


@pytest.fixture
def agent_actor(people):
    return Actor(user=people.agent, via="web")


@pytest.fixture
def parting_case(people, account, agent_actor):
    return case_open(
        actor=agent_actor,
        account=account,
        playbook=Playbook.objects.get(kind=PlaybookKind.PARTING),
        severity=3,
        reason="They need a warehouse system; we sell print runs",
    )


@pytest.fixture
def conversation_fields(people):
    return {
        "not_working": "Weekly rush orders we cannot print in time",
        "our_part": "We said yes to deadlines we knew were tight",
        "their_part": "Orders arrive on Friday evenings for Monday",
        "options": "A Thursday cut-off; a second supplier for rush work; parting",
        "our_people": [people.agent, people.manager],
        "their_people": "Joanna Nowak (Head of Operations)",
    }


def exit_items(people, days: int = 10) -> list[ExitItemInput]:
    soon = timezone.localdate() + timedelta(days=days)
    return [
        ExitItemInput("deliverable", "The last print run of calendars", people.agent, soon),
        ExitItemInput("data_handover", "Artwork files and price lists", people.agent, soon),
        ExitItemInput(
            "final_invoice", "Final invoice, credit for unused paper", people.manager, soon
        ),
    ]
