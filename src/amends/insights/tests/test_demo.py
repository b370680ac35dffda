import pytest
from django.utils import timezone

from amends.complaints.demo import demo_complaints_answered
from amends.health.models import HealthSnapshot
from amends.health.services import health_rescore
from amends.insights.demo import demo_insights
from amends.insights.figures import card_build
from amends.insights.selectors import FIGURES, Scope, default_period, figure_compute
from amends.recovery.demo import demo_recovery
from amends.shell.demo import demo_load
from amends.signals.demo import demo_signals

pytestmark = pytest.mark.django_db


def test_the_demo_gives_every_chart_something_to_show_and_loads_once():
    demo_load(accounts=120)
    demo_recovery()
    demo_signals()
    demo_complaints_answered()
    health_rescore()

    made = demo_insights()

    assert made["snapshots"] > 120 * 26 and made["thaw_cases"] and made["complaints"]
    start, end = default_period()
    scope = Scope(teams=None, start=start, end=end, now=timezone.now())
    empty = [
        key
        for key in FIGURES
        if card_build(key=key, data=figure_compute(key=key, scope=scope), scope=scope).chart is None
    ]
    assert empty == []
    win_back = figure_compute(key="win-back", scope=scope)
    assert 0 < win_back["rate"] < 1
    retention = figure_compute(key="retention", scope=scope)["rows"]
    assert all(row["accounts"] for row in retention)

    snapshots = HealthSnapshot.objects.count()
    assert set(demo_insights().values()) == {0}
    assert HealthSnapshot.objects.count() == snapshots


def test_the_demo_waits_for_a_rescore(people):
    assert set(demo_insights().values()) == {0}
