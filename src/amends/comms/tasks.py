"""The background work of messages and reminders, as Django tasks. The
worker (``amends worker``) runs them; ``amends.core.periodic`` schedules the
periodic ones, each once per slot however many workers there are."""

import logging
from datetime import datetime, timedelta

from django.tasks import task
from django.utils import timezone

from amends.comms.reminders import digest_hour, digests_send, escalations_notify
from amends.comms.services import messages_recover
from amends.core.periodic import daily_after, every, periodic
from amends.recovery.escalation import deadlines_check

logger = logging.getLogger(__name__)

MINUTE = timedelta(minutes=1)


@periodic(every(MINUTE), "every minute")
@task(priority=10)
def escalations_raise_and_mail(slot: str = "") -> dict[str, int]:
    """Late steps and promises escalate, and each new escalation is mailed at once."""
    raised = deadlines_check()
    return {"raised": raised, "mailed": escalations_notify()}


@periodic(daily_after(digest_hour), "daily after AMENDS_DIGEST_HOUR")
@task(priority=5)
def digests(slot: str = "") -> int:
    """Each person's digest of the day (once: a digest's key is the person and day)."""
    now = timezone.now()
    if slot:  # never earlier than the hour it is meant for
        now = max(now, datetime.fromisoformat(slot))
    return digests_send(now=now)


@periodic(every(MINUTE), "every minute")
@task(priority=5)
def messages_unsent(slot: str = "") -> int:
    """Case messages a dead sender left behind, and failures worth another try."""
    return messages_recover()
