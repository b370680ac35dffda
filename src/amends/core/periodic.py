"""Periodic jobs for Django's task framework, shared by any number of workers.

Each app's ``tasks.py`` registers its periodic tasks with ``every`` or
``daily_after``. Every worker calls ``periodic_enqueue_due`` a few times a minute;
for each job it works out the slot of the schedule ``now`` falls in and inserts a
``PeriodicSlot`` row for it. The row is unique per job and slot, so exactly one
worker wins and enqueues the task (after its commit); the others see the row and
move on. There is no scheduler process to keep alive and no lock to renew: a
deployment is N web servers and M identical workers on one database.

django-crontask was the maintained alternative; it needs a single scheduler
process, or Redis for its lock when more than one runs, which would add a
process or a service to every deployment for the same guarantee.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.tasks import Task
from django.utils import timezone

from amends.core.models import PeriodicSlot

logger = logging.getLogger(__name__)

Slot = Callable[[datetime], datetime | None]
MINUTE = timedelta(minutes=1)

# Set by the worker when asked to stop: long tasks check it between messages.
stopping = threading.Event()


@dataclass(frozen=True)
class Periodic:
    task: Task
    slot: Slot
    schedule: str  # for people: "every 60 s", "daily after 07:00"

    @property
    def name(self) -> str:
        return self.task.module_path


_jobs: dict[str, Periodic] = {}


def every(period: timedelta) -> Slot:
    """Slots of ``period`` counted from the Unix epoch, so every worker agrees."""
    step = period.total_seconds()
    if step <= 0:
        raise ValueError("A period must be longer than 0.")

    def slot(now: datetime) -> datetime:
        return datetime.fromtimestamp(now.timestamp() // step * step, tz=UTC)

    return slot


def daily_after(hour: Callable[[], int]) -> Slot:
    """One slot a day, from ``hour()`` o'clock in the site's time zone; none before it,
    and none at all when ``hour()`` is 24 or more (the job is turned off)."""

    def slot(now: datetime) -> datetime | None:
        if hour() > 23:
            return None
        local = timezone.localtime(now)
        starts = local.replace(hour=hour(), minute=0, second=0, microsecond=0)
        return starts if local >= starts else None

    return slot


def periodic(slot: Slot, schedule: str) -> Callable[[Task], Task]:
    """Register a task to run once per slot: ``@periodic(every(...), "...")`` above
    ``@task``. The task is called with ``slot``, the slot's start in ISO 8601."""

    def register(task: Task) -> Task:
        _jobs[task.module_path] = Periodic(task=task, slot=slot, schedule=schedule)
        return task

    return register


def periodic_jobs() -> list[Periodic]:
    return sorted(_jobs.values(), key=lambda job: job.name)


def periodic_enqueue_due(*, now: datetime | None = None, worker: str = "") -> list[str]:
    """Claim and enqueue every job whose current slot nobody has claimed yet.
    Returns the names of the jobs this call enqueued."""
    now = now or timezone.now()
    enqueued = []
    for job in periodic_jobs():
        starts = job.slot(now)
        if starts is None:
            continue
        if PeriodicSlot.objects.filter(name=job.name, starts_at=starts).exists():
            continue  # the common case, without an error in the database's log
        try:
            with transaction.atomic():
                PeriodicSlot.objects.create(name=job.name, starts_at=starts, claimed_by=worker)
        except IntegrityError:
            continue  # another worker claimed it a moment ago
        # Enqueued once the claim is committed (at once in the worker's autocommit).
        transaction.on_commit(partial(job.task.enqueue, slot=starts.isoformat()))
        enqueued.append(job.name)
    return enqueued


def periodic_slots_prune(*, now: datetime | None = None, keep: timedelta) -> int:
    now = now or timezone.now()
    deleted, _ = PeriodicSlot.objects.filter(starts_at__lt=now - keep).delete()
    return deleted
