from datetime import timedelta

import pytest
from django.utils import timezone

from amends.incidents.models import CauseCategory, Severity
from amends.incidents.services import Impact, incident_declare
from amends.timeline.services import Actor


@pytest.fixture
def declare(people):
    def declare(accounts, *, severity=Severity.CRITICAL, actor=None, **extra):
        now = timezone.now()
        return incident_declare(
            actor=actor or Actor(user=people.agent, via="web"),
            team=people.north,
            title=extra.pop("title", "65,000 tax forms printed with the wrong year"),
            occurred_at=extra.pop("occurred_at", now - timedelta(hours=3)),
            discovered_at=extra.pop("discovered_at", now - timedelta(hours=1)),
            severity=severity,
            cause=CauseCategory.objects.get(slug=extra.pop("cause", "supplier")),
            tags=extra.pop("tags", ["printing", "forms"]),
            affected=[Impact(account_id=a.pk, units=65000) for a in accounts],
            **extra,
        )

    return declare
