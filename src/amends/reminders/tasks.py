"""Reminders as Django tasks: escalation mail every minute, digests once a day.
``amends.core.periodic`` runs each once per slot however many workers there are."""

from datetime import datetime

from django.tasks import task
from django.utils import timezone

from amends.core.periodic import MINUTE, daily_after, every, periodic
from amends.recovery.escalation import deadlines_check
from amends.reminders.services import (
    digest_hour,
    digests_send,
    due_today_notify,
    escalations_notify,
    notifications_mail,
)


@periodic(every(MINUTE), "every minute")
@task(priority=10)
def escalations_raise_and_mail(slot: str = "") -> dict[str, int]:
    """Late steps and promises escalate, and each new escalation is mailed at once;
    promises falling due today ring the owner's bell."""
    raised = deadlines_check()
    return {
        "raised": raised,
        "due_today": due_today_notify(),
        "mailed": escalations_notify(),
        "notifications": notifications_mail(),
    }


@periodic(daily_after(digest_hour), "daily after AMENDS_DIGEST_HOUR")
@task(priority=5)
def digests(slot: str = "") -> int:
    """Each person's digest of the day (once: a digest's key is the person and day)."""
    now = timezone.now()
    if slot:  # never earlier than the hour it is meant for
        now = max(now, datetime.fromisoformat(slot))
    return digests_send(now=now)
