"""The coach reads a recorded apology too (issue 15): one that does not read as from a
person shows as a warning on the case; the record stays as written."""

import pytest

from amends.recovery.models import RecordKind
from amends.recovery.services import record_add
from amends.timeline.services import Actor
from conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(account, declare):
    return declare([account]).cases.get()


def _apology(people, case, words):
    record_add(
        actor=Actor(user=people.agent, via="web"),
        case=case,
        kind=RecordKind.APOLOGY,
        data={"channel": "call", "words": words},
    )


def test_a_corporate_apology_shows_as_a_warning_on_the_case(client, people, case):
    _apology(people, case, "The company regrets the error with your forms.")
    page = login(client, people.agent).get(f"/cases/{case.pk}/").content.decode()
    assert "apology-warning" in page and "The recorded apology" in page
    assert "the company" in page.lower()


def test_an_apology_in_the_first_person_shows_none(client, people, case):
    _apology(people, case, "I am sorry: I printed your forms with last year's date.")
    page = login(client, people.agent).get(f"/cases/{case.pk}/").content.decode()
    assert "apology-warning" not in page
