"""The background work of messages, as Django tasks, run by ``amends worker``."""

from django.tasks import task

from amends.comms.services import messages_recover
from amends.core.periodic import MINUTE, every, periodic


@periodic(every(MINUTE), "every minute")
@task(priority=5)
def messages_unsent(slot: str = "") -> int:
    """Case messages a dead sender left behind, and failures worth another try."""
    return messages_recover()
