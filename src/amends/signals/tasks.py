from datetime import timedelta

from django.tasks import task

from amends.core.periodic import every, periodic
from amends.signals.services import signal_hooks_run_pending


# Enqueued when a large recording commits; every five minutes as well, for one whose
# enqueueing was lost (the process stopped between its commit and the enqueue).
@periodic(every(timedelta(minutes=5)), "every 5 minutes")
@task()
def signal_hooks_run(slot: str = "") -> int:
    return signal_hooks_run_pending()
