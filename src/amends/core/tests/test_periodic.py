"""Periodic jobs on Django's task framework: slots, one claim per slot, the backend
setting. Two real worker processes sharing them are in shell/tests/test_two_workers."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django_tasks_db.models import DBTaskResult

from amends.core.models import PeriodicSlot
from amends.core.periodic import daily_after, every, periodic_enqueue_due, periodic_jobs
from amends.env import tasks_from_env
from amends.shell.management.commands.worker import tasks_load

pytestmark = pytest.mark.django_db


def test_slots_of_a_period_are_the_same_for_every_worker():
    minute = every(timedelta(minutes=1))
    assert minute(datetime(2026, 12, 4, 9, 30, 59, tzinfo=UTC)) == datetime(
        2026, 12, 4, 9, 30, tzinfo=UTC
    )
    assert minute(datetime(2026, 12, 4, 9, 31, 0, tzinfo=UTC)) == datetime(
        2026, 12, 4, 9, 31, tzinfo=UTC
    )
    with pytest.raises(ValueError):
        every(timedelta(0))


def test_a_daily_slot_starts_at_its_hour_in_the_site_time_zone(settings):
    settings.TIME_ZONE = "Europe/Warsaw"  # UTC+1 in December
    seven = daily_after(lambda: 7)
    assert seven(datetime(2026, 12, 4, 5, 59, tzinfo=UTC)) is None  # 06:59 in Warsaw
    starts = seven(datetime(2026, 12, 4, 6, 0, tzinfo=UTC))
    assert starts is not None and starts.astimezone(UTC) == datetime(2026, 12, 4, 6, tzinfo=UTC)
    assert seven(datetime(2026, 12, 4, 22, 0, tzinfo=UTC)) == starts


def test_each_job_is_enqueued_once_per_slot_however_often_it_is_asked():
    tasks_load()
    names = {job.name for job in periodic_jobs()}
    assert "amends.notices.tasks.notices_sweep" in names
    now = datetime(2026, 12, 4, 9, 30, 5, tzinfo=UTC)
    first = periodic_enqueue_due(now=now, worker="a")
    assert "amends.notices.tasks.notices_sweep" in first
    assert periodic_enqueue_due(now=now + timedelta(seconds=30), worker="b") == []
    queued = DBTaskResult.objects.filter(task_path="amends.notices.tasks.notices_sweep")
    assert queued.count() == 1
    assert queued.get().args_kwargs["kwargs"] == {"slot": "2026-12-04T09:30:00+00:00"}
    # The next minute is a new slot for the minute jobs only.
    later = periodic_enqueue_due(now=now + timedelta(minutes=1), worker="b")
    assert "amends.notices.tasks.notices_sweep" in later
    assert "amends.core.tasks.housekeeping" not in later


def test_the_database_refuses_a_second_claim_of_a_slot():
    starts = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)
    PeriodicSlot.objects.create(name="x", starts_at=starts, claimed_by="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        PeriodicSlot.objects.create(name="x", starts_at=starts, claimed_by="b")


def test_the_tasks_backend_is_a_setting(monkeypatch):
    monkeypatch.delenv("AMENDS_TASKS_BACKEND", raising=False)
    assert tasks_from_env()["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    monkeypatch.setenv("AMENDS_TASKS_BACKEND", "immediate")
    assert tasks_from_env()["default"]["BACKEND"].endswith("ImmediateBackend")
    monkeypatch.setenv("AMENDS_TASKS_BACKEND", "celery")
    with pytest.raises(ImproperlyConfigured, match="AMENDS_TASKS_BACKEND is 'celery'"):
        tasks_from_env()
