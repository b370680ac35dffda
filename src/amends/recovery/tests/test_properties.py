"""Properties that must hold for any sequence of events, not just the ones we thought of."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amends.recovery.models import Playbook, RecoveryCase
from amends.recovery.opening import cases_open
from amends.recovery.services import case_close, case_pause, case_resume, record_add, step_skip
from amends.timeline.services import Actor

# (minutes running before a pause, minutes paused)
intervals = st.lists(st.tuples(st.integers(0, 600), st.integers(1, 5000)), min_size=1, max_size=6)


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(intervals=intervals, severity=st.integers(1, 4), kind=st.sampled_from(["mistake", "thaw"]))
def test_deadlines_never_count_paused_time(people, account, intervals, severity, kind):
    actor = Actor(user=people.agent, via="web")
    start = timezone.now()
    case = cases_open(
        actor=actor,
        accounts=[account],
        playbook=Playbook.objects.get(kind=kind),
        severity=severity,
        now=start,
    )[0]
    original = {s.key: s.due_at for s in case.steps.all()}
    clock, paused_total = start, timedelta(0)
    for running, paused in intervals:
        clock += timedelta(minutes=running)
        case_pause(actor=actor, case=case, reason="waiting", now=clock)
        clock += timedelta(minutes=paused)
        paused_total += timedelta(minutes=paused)
        case_resume(actor=actor, case=case, now=clock)
    for step in case.steps.all():
        assert step.due_at - original[step.key] == paused_total
        # And the deadline, net of pauses, is exactly what the playbook says.
        hours = step.step.due_hours(severity)
        assert step.due_at - paused_total - case.opened_at == timedelta(hours=hours)


@pytest.mark.django_db
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    outcome=st.sampled_from(["recovered", "advocate", "parted", "lost"]),
    attempt=st.sampled_from(["pause", "record", "skip", "close"]),
)
def test_a_closed_case_cannot_be_changed(people, account, outcome, attempt):
    actor = Actor(user=people.agent, via="web")
    case = cases_open(
        actor=actor, accounts=[account], playbook=Playbook.objects.get(kind="complaint"), severity=3
    )[0]
    for step in case.steps.all():
        step_skip(actor=actor, step=step, reason="handled elsewhere")
    case_close(actor=actor, case=case, outcome=outcome)
    snapshot = RecoveryCase.objects.filter(pk=case.pk).values().get()
    step = case.steps.first()
    with pytest.raises(ValidationError, match="closed"):
        if attempt == "pause":
            case_pause(actor=actor, case=case, reason="x")
        elif attempt == "record":
            record_add(actor=actor, case=case, kind="explanation", data={"text": "x"})
        elif attempt == "skip":
            step_skip(actor=actor, step=step, reason="x")
        else:
            case_close(actor=actor, case=case, outcome="lost")
    assert RecoveryCase.objects.filter(pk=case.pk).values().get() == snapshot
