import pytest

from amends.incidents.models import Incident
from amends.incidents.selectors import incident_similar
from amends.recovery.demo import demo_recovery
from amends.recovery.models import CommitmentStatus, Escalation, RecoveryCase
from amends.shell.demo import demo_load

pytestmark = pytest.mark.django_db


def test_the_demo_tells_a_recovery_at_every_stage():
    demo_load(accounts=120)
    opened = demo_recovery()

    assert opened == 15
    first, second = Incident.objects.order_by("discovered_at")
    assert incident_similar(incident=second) == [first]
    assert first.postmortem.published_at is not None
    outcomes = sorted(first.cases.values_list("outcome", flat=True))
    assert outcomes == ["advocate", "lost", "recovered"]
    # The two recovered accounts failed again: last chance, escalated to a manager.
    assert second.cases.filter(last_chance=True).count() == 2
    assert Escalation.objects.filter(case__last_chance=True, level="manager").exists()
    assert second.cases.filter(paused_at__isnull=False).count() == 1
    assert second.cases.filter(commitments__status=CommitmentStatus.BROKEN).exists()
    assert Escalation.objects.filter(level="owner", step__isnull=False).exists()
    kinds = set(RecoveryCase.objects.filter(incident=None).values_list("playbook__kind", flat=True))
    assert kinds == {"thaw", "complaint", "parting"}

    assert demo_recovery() == 0  # once only
    assert RecoveryCase.objects.count() == 15
