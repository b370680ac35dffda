"""Bookkeeping writes retry a busy database and never fail the request they serve."""

import pytest
from django.db import OperationalError

from amends.core.bookkeeping import ATTEMPTS, bookkeeping_write
from amends.people.models import ApiToken

pytestmark = pytest.mark.django_db


def test_it_retries_a_locked_write_until_it_goes_through():
    tries = []

    def write():
        tries.append(1)
        if len(tries) < ATTEMPTS:
            raise OperationalError("database is locked")

    assert bookkeeping_write(write, what="a test") is True
    assert len(tries) == ATTEMPTS


def test_it_gives_up_quietly_and_leaves_the_transaction_usable(people, caplog):
    from amends.people.services import token_create

    issued = token_create(user=people.agent, name="sync")

    def write():
        ApiToken.objects.filter(pk=issued.token.pk).update(name="changed")
        raise OperationalError("database is locked")

    assert bookkeeping_write(write, what="token last used") is False
    assert "Not recorded (token last used)" in caplog.text
    # The failed write was rolled back to its savepoint; the connection still works.
    assert ApiToken.objects.get(pk=issued.token.pk).name == "sync"
