import signal
import time
import uuid
from collections.abc import Callable
from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.tasks import TaskResultStatus
from django.utils.module_loading import module_has_submodule
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from amends.core.periodic import periodic_enqueue_due, periodic_jobs, stopping


class Tasks(Worker):
    """django-tasks-db's worker, one task at a time, so the periodic jobs are looked
    at between any two tasks (a notice task may take most of a minute)."""

    say: Callable[[str], None] = print

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)  # sets the result's status and value on it
        if db_task_result.status == TaskResultStatus.FAILED:
            self.say(f"{db_task_result.task_name} failed (task {db_task_result.pk}).")
        elif db_task_result.return_value:
            self.say(f"{db_task_result.task_name}: {db_task_result.return_value}")

    @classmethod
    def for_all_queues(cls, worker_id: str) -> "Tasks":
        return cls(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=1,
            worker_id=worker_id,
            excluded_queue_names=[],
        )

    def run_one(self) -> bool:
        """Run the next ready task, if any; True when one ran."""
        self._run_tasks, self.max_tasks, self.running = 0, 1, True
        self.run()
        return self._run_tasks > 0


def tasks_load() -> None:
    """Import every app's tasks module, so its periodic jobs are registered."""
    for app in apps.get_app_configs():
        if app.name.startswith("amends.") and module_has_submodule(app.module, "tasks"):
            import_module(f"{app.name}.tasks")


class Command(BaseCommand):
    help = (
        "Run the background tasks (Django's task framework, database backend): notices, "
        "escalation mail, digests, unsent case messages, customers' mail from IMAP "
        "mailboxes, the daily health rescore. "
        "Any number of workers may share one database; each periodic job runs once "
        "per slot, whichever worker claims it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls (default 1)"
        )
        parser.add_argument(
            "--check-every",
            type=float,
            default=10.0,
            help="seconds between looks at the periodic jobs (default 10)",
        )
        parser.add_argument(
            "--once", action="store_true", help="enqueue what is due, run every task, exit"
        )

    def handle(self, *args, interval, check_every, once, **options):
        if interval <= 0 or check_every <= 0:
            raise CommandError("--interval and --check-every must be more than 0")
        worker_id = f"amends-{uuid.uuid4().hex[:12]}"
        tasks = Tasks.for_all_queues(worker_id)

        def request_stop(signum, frame):
            stopping.set()  # a notice task in progress stops after the message in hand
            tasks.running = False

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        tasks.say = self.stdout.write
        tasks_load()
        jobs = ", ".join(f"{job.task.name} ({job.schedule})" for job in periodic_jobs())
        self.stdout.write(f"Amends worker started ({worker_id}). Periodic: {jobs}.")
        next_check = 0.0
        while not stopping.is_set():
            close_old_connections()
            if time.monotonic() >= next_check:
                for name in periodic_enqueue_due(worker=worker_id):
                    self.stdout.write(f"Enqueued {name}.")
                next_check = time.monotonic() + check_every
            if tasks.run_one():
                continue
            if once:
                break  # nothing left to run
            if not stopping.is_set():
                time.sleep(interval)
        self.stdout.write("Amends worker stopped.")
