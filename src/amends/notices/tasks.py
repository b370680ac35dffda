"""Sending notices as Django tasks: AMENDS_NOTICE_SENDERS senders per notice, side by
side, and a sweep that starts senders again on a notice left quiet."""

import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.tasks import task
from django.utils import timezone

from amends.core.periodic import MINUTE, every, periodic, stopping
from amends.notices.models import NoticeRun, NoticeState, RecipientState
from amends.notices.sending import NoticeSendError, notice_run_send
from amends.notices.services import STALE_CLAIM

logger = logging.getLogger(__name__)

# A notice task sends for at most this long, then leaves the rest to the next ones:
# the worker is free for other jobs at least once a minute.
NOTICE_SLICE = 50.0


@task()
def notice_send(run_id: int) -> dict[str, int | str]:
    """Send one running notice alongside its other senders, until it is done, paused,
    the slice is over or the worker stops. Claims are row by row, so any number of
    these may work on one notice and none sends what another has."""
    ends = time.monotonic() + NOTICE_SLICE
    try:
        totals = notice_run_send(
            run_id=run_id,
            share=settings.AMENDS_NOTICE_SENDERS,
            should_stop=lambda: stopping.is_set() or time.monotonic() > ends,
        )
    except NoticeSendError as error:
        # Nobody is lost (what was in hand went back); notices_sweep starts again
        # once the notice has been quiet a minute.
        logger.warning("Notice %s: the mail server failed (%s); trying again later.", run_id, error)
        return {"sent": 0, "failed": 0, "state": "mail server failed"}
    if NoticeRun.objects.filter(pk=run_id, state=NoticeState.RUNNING).exists():
        # The slice is over or this worker is stopping: the next free worker goes on.
        transaction.on_commit(lambda: notice_send.enqueue(run_id))
    return {"sent": totals.sent, "failed": totals.failed, "state": totals.state}


def notice_senders_enqueue(run_id: int) -> None:
    """Once the transaction commits, start AMENDS_NOTICE_SENDERS senders on a notice;
    with that many workers free, they send side by side."""
    for _ in range(settings.AMENDS_NOTICE_SENDERS):
        transaction.on_commit(lambda: notice_send.enqueue(run_id))


@periodic(every(MINUTE), "every minute")
@task(priority=10)
def notices_sweep(slot: str = "") -> list[int]:
    """Start senders again on running notices nobody has touched for a minute: their
    senders were killed (a live sender claims a batch at least every few seconds)."""
    quiet_since = timezone.now() - min(STALE_CLAIM, MINUTE)
    waiting = (
        NoticeRun.objects.filter(state=NoticeState.RUNNING, started_at__lt=quiet_since)
        .filter(recipients__state__in=[RecipientState.PENDING, RecipientState.SENDING])
        .annotate(touched=Max("recipients__claimed_at"), sent=Max("recipients__sent_at"))
        .filter(Q(touched__isnull=True) | Q(touched__lt=quiet_since))
        .filter(Q(sent__isnull=True) | Q(sent__lt=quiet_since))
        .values_list("pk", flat=True)
        .distinct()
    )
    started = list(waiting)
    for run_id in started:
        notice_senders_enqueue(run_id)
    return started
