import pytest

from amends.complaints.demo import demo_complaints_answered
from amends.complaints.models import Complaint
from amends.health.models import AccountHealth
from amends.health.services import health_rescore
from amends.shell.demo import demo_load
from amends.signals.demo import demo_signals

pytestmark = pytest.mark.django_db


def test_the_demo_signals_give_every_band_and_segment_something_to_show():
    demo_load(accounts=120)
    made = demo_signals()
    demo_complaints_answered()
    health_rescore()

    assert made > 1500
    assert set(AccountHealth.objects.values_list("band", flat=True)) == {"red", "yellow", "green"}
    segments = set(AccountHealth.objects.values_list("segment", flat=True))
    assert segments == {"loyal", "at_risk", "unhappy"}
    assert AccountHealth.objects.exclude(cooling=[]).exists()
    assert Complaint.objects.filter(channel="api").count() > 10  # through the inbox's hook
    # Older complaints were answered and resolved; recent ones wait in the inbox.
    assert Complaint.objects.filter(resolved_at__isnull=False, satisfaction__isnull=False).exists()
    assert Complaint.objects.filter(acknowledged_at__isnull=True).exists()
    assert demo_signals() == 0  # once only
