from datetime import timedelta

import pytest
from django.utils import timezone

from amends.incidents.models import CauseCategory
from amends.incidents.services import Impact, incident_declare
from amends.timeline.services import Actor


@pytest.fixture
def incidents(people, account, south_account, declare):
    """Two supplier incidents and a process one for North, a supplier one for South,
    all discovered yesterday."""
    yesterday = timezone.now() - timedelta(days=1)
    for cause in ("supplier", "supplier", "process"):
        declare([account], cause=cause, discovered_at=yesterday, occurred_at=yesterday)
    incident_declare(
        actor=Actor(user=people.outsider, via="web"),
        team=people.south,
        title="Wrong delivery",
        occurred_at=yesterday,
        discovered_at=yesterday,
        cause=CauseCategory.objects.get(slug="supplier"),
        affected=[Impact(account_id=south_account.pk)],
    )
    return people
