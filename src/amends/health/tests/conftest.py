import itertools
from datetime import timedelta
from importlib import import_module

import pytest
from django.utils import timezone


@pytest.fixture
def say():
    """Record a signal on an account, ``days_ago`` days back (it arrived then too,
    unless ``received_days_ago`` says otherwise)."""
    from amends.signals.models import Signal

    numbers = itertools.count(1)

    def say(account, kind, days_ago=0.0, value=None, metric="", received_days_ago=None):
        now = timezone.now()
        at = now - timedelta(days=days_ago)
        received = at if received_days_ago is None else now - timedelta(days=received_days_ago)
        return Signal.objects.create(
            account=account,
            kind=kind,
            at=at,
            source="test",
            external_id=f"test-{next(numbers)}",
            value=value,
            metric=metric,
            created_at=received,
        )

    return say


@pytest.fixture
def make_account(people):
    from amends.accounts.services import account_create
    from amends.timeline.services import Actor

    def make(name, **fields):
        fields.setdefault("team", people.north)
        return account_create(actor=Actor(user=people.agent, via="web"), name=name, **fields)

    return make


@pytest.fixture
def health_defaults(transactional_db):
    """The factors and rules come from a data migration, and a transactional test's
    flush empties their tables: load them again (it is idempotent)."""
    from django.apps import apps

    import_module("amends.health.migrations.0003_default_factors_and_rules").add_defaults(
        apps, None
    )
