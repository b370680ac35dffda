import logging
import signal
import time
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from amends.comms.notice_sending import notices_send_running
from amends.comms.reminders import Reminders
from amends.comms.services import messages_recover
from amends.health.services import health_rescore_daily
from amends.recovery.escalation import deadlines_check

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run background tasks (Django tasks, database backend) and the periodic checks "
        "(deadlines and escalations, mailed at once; case messages a dead sender left "
        "unsent; the digests and the health rescore once a day). Several workers may "
        "run at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds between polls (default 5)"
        )
        parser.add_argument(
            "--check-every",
            type=float,
            default=60.0,
            help="seconds between deadline checks (default 60)",
        )
        parser.add_argument("--once", action="store_true", help="do one round and exit")

    def handle(self, *args, interval, check_every, once, **options):
        if interval <= 0 or check_every <= 0:
            raise CommandError("--interval and --check-every must be more than 0")
        stop = {"now": False}

        def request_stop(signum, frame):
            stop["now"] = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        tasks = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"amends-{uuid.uuid4().hex[:12]}",
            excluded_queue_names=[],
        )
        next_check = 0.0
        reminders = Reminders()
        self.stdout.write("Amends worker started.")
        while not stop["now"]:
            close_old_connections()
            if time.monotonic() >= next_check:
                created = deadlines_check()
                if created:
                    self.stdout.write(f"{created} new escalation(s).")
                # Escalation mail at once, digests once a day; each mail once (by its key).
                try:
                    mailed, digests = reminders.run()
                except Exception:
                    logger.exception("Sending reminders failed.")
                else:
                    if mailed or digests:
                        self.stdout.write(f"Mailed {mailed} escalation(s), {digests} digest(s).")
                # Case messages a dead sender left "sending" or "queued", and failures.
                try:
                    recovered = messages_recover()
                except Exception:
                    logger.exception("Recovering unsent messages failed.")
                else:
                    if recovered:
                        self.stdout.write(f"Sent {recovered} message(s) left unsent.")
                # Once a day: the first worker to claim it rescores, the others skip. A
                # failed rescore is retried after its claim times out; the deadlines go on.
                try:
                    rescored = health_rescore_daily()
                except Exception:
                    logger.exception("The daily health rescore failed.")
                    rescored = None
                if rescored is not None:
                    self.stdout.write(f"Daily health rescore: {rescored.summary()}")
                next_check = time.monotonic() + check_every
            tasks.running = True
            tasks.run()
            # Notices to everyone an incident touched: up to 10 s a round, no sleep while
            # more waits. Claimed row by row, so killing the worker loses nobody.
            try:
                busy = notices_send_running(seconds=10.0, should_stop=lambda: stop["now"])
            except Exception:
                logger.exception("Sending notices failed.")
                busy = False
            if once:
                break
            if not busy:
                time.sleep(interval)
        self.stdout.write("Amends worker stopped.")
