"""Sending a notice: claims, one SMTP connection per batch, a mark per message,
the rate limit, and taking back what a dead sender held. The guarantee is in
``amends.notices.services``' docstring."""

import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from smtplib import SMTPRecipientsRefused, SMTPResponseException, SMTPServerDisconnected
from typing import Any

from django.core.mail import mailers
from django.db import connection
from django.db.models import Case, F, PositiveSmallIntegerField, Q, When
from django.utils import timezone
from django.utils.translation import gettext_noop

from amends.notices.models import (
    NoticeRecipient,
    NoticeRun,
    NoticeState,
    RecipientState,
    texts_ordered,
)
from amends.notices.selectors import Counts, notice_counts
from amends.notices.services import BATCH_MAX, MAX_ATTEMPTS, RENEW_EVERY, STALE_CLAIM, _record
from amends.notices.texts import Letters
from amends.notices.wire import NoticeEmail, deliver
from amends.timeline.services import Actor, said

logger = logging.getLogger(__name__)


# -- sending --------------------------------------------------------------------


class TokenBucket:
    """At most ``rate`` messages a second on average, in bursts of a tenth of a second."""

    def __init__(self, rate: float, *, clock=time.monotonic, sleep=time.sleep):
        self.clock, self.sleep = clock, sleep
        self.rate = self.tokens = 0.0
        self.stamp = clock()
        self.set_rate(rate)
        self.tokens = self.capacity

    def set_rate(self, rate: float) -> None:
        self.rate = max(float(rate), 0.001)
        self.capacity = max(1.0, self.rate / 10)
        self.tokens = min(self.tokens, self.capacity)

    def take(self) -> None:
        while True:
            now = self.clock()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1 - 1e-9:  # float dust must not make it wait forever
                self.tokens = max(self.tokens - 1, 0.0)
                return
            self.sleep((1 - self.tokens) / self.rate)

    def ready(self) -> bool:
        """take() would return at once."""
        now = self.clock()
        return self.tokens + (now - self.stamp) * self.rate >= 1 - 1e-9


_HOST = socket.gethostname()[:40] or "localhost"


def sender_id() -> str:
    """host:pid:random: the host and pid let the next sender on this machine see
    at once that a sender has died; the random part tells restarts apart."""
    return f"{_HOST}:{os.getpid()}:{secrets.token_hex(4)}"


def _sender_is_gone(claimed_by: str) -> bool:
    host, _, rest = claimed_by.partition(":")
    pid = rest.partition(":")[0]
    if host != _HOST or not pid.isdigit() or int(pid) == os.getpid():
        return False  # elsewhere, or ourselves: only the claim's age can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _give_back(rows, *, doubt: Q | None) -> int:
    """Queue ``rows`` again. Those matching ``doubt`` had their message in hand, so
    it may have been delivered already: each adds one to its ``in_doubt``."""
    back: dict[str, Any] = {"state": RecipientState.PENDING, "claimed_by": "", "claimed_at": None}
    if doubt is not None:
        back["in_doubt"] = Case(
            When(doubt, then=F("in_doubt") + 1),
            default=F("in_doubt"),
            output_field=PositiveSmallIntegerField(),
        )
    return rows.update(**back, handed_at=None)


def notice_claims_recover(*, run_id: int, now: datetime | None = None) -> int:
    """Give back what dead senders held: gone from this machine, or silent for
    STALE_CLAIM. Those rows go out again, in order, with their own Message-ID; at
    most the first of each dead sender's rows may have reached the server already,
    and it is the one with its mark set: it is counted in doubt."""
    now = now or timezone.now()
    marked = Q(handed_at__isnull=False)
    sending = NoticeRecipient.objects.filter(run_id=run_id, state=RecipientState.SENDING)
    released = _give_back(sending.filter(claimed_at__lt=now - STALE_CLAIM), doubt=marked)
    holders = set(sending.order_by().values_list("claimed_by", flat=True).distinct())
    for holder in holders:
        if _sender_is_gone(holder):
            released += _give_back(sending.filter(claimed_by=holder), doubt=marked)
    if released:
        logger.info("Notice run %s: %s rows from stopped senders queued again.", run_id, released)
    return released


class NoticeSendError(Exception):
    """The mail server could not be reached or dropped the connection: what was in
    hand went back to the queue."""


class _Marks:
    """The UPDATE each sent message costs, written once: building it with the ORM
    for every message would cost more than the SMTP exchange itself.

    A row is marked (``handed_at``) before its message goes, so that a sender that
    dies with it in hand leaves a row the next one counts in doubt. The mark costs
    no write of its own when the next message goes at once: the UPDATE that records
    one message sent marks the next. Either mark holds only while the row is still
    this sender's, so nothing goes out unmarked."""

    def __init__(self, sender: str):
        table = connection.ops.quote_name(NoticeRecipient._meta.db_table)
        self.sender = sender
        self.sent_sql = (
            f"UPDATE {table} SET state = %s, sent_at = %s, attempts = attempts + 1, "  # noqa: S608 - our own table's name
            "error = '', handed_at = NULL WHERE id = %s"
        )
        self.handing_sql = (
            f"UPDATE {table} SET handed_at = %s "  # noqa: S608 - our own table's name
            "WHERE id = %s AND state = %s AND claimed_by = %s"
        )
        self.sent_and_handing_sql = (
            f"UPDATE {table} SET "  # noqa: S608 - our own table's name
            "state = CASE WHEN id = %s THEN %s ELSE state END, "
            "sent_at = CASE WHEN id = %s THEN %s ELSE sent_at END, "
            "attempts = CASE WHEN id = %s THEN attempts + 1 ELSE attempts END, "
            "error = CASE WHEN id = %s THEN '' ELSE error END, "
            "handed_at = CASE WHEN id = %s THEN NULL ELSE %s END "
            "WHERE id = %s OR (id = %s AND state = %s AND claimed_by = %s)"
        )
        self.cursor = connection.cursor()

    def _now(self):
        return connection.ops.adapt_datetimefield_value(timezone.now())

    def handing(self, pk: int) -> bool:
        """Mark ``pk`` before its message goes; False when it is no longer ours."""
        sending = RecipientState.SENDING.value
        self.cursor.execute(self.handing_sql, [self._now(), pk, sending, self.sender])
        return self.cursor.rowcount == 1

    def sent(self, pk: int, next_pk: int | None = None) -> bool:
        """Record ``pk`` sent, and mark ``next_pk`` if given: True when it was marked."""
        now, sent = self._now(), RecipientState.SENT.value
        if next_pk is None:
            self.cursor.execute(self.sent_sql, [sent, now, pk])
            return False
        sending = RecipientState.SENDING.value
        self.cursor.execute(
            self.sent_and_handing_sql,
            [pk, sent, pk, now, pk, pk, pk, now, pk, next_pk, sending, self.sender],
        )
        return self.cursor.rowcount == 2

    def close(self) -> None:
        self.cursor.close()


@dataclass
class BatchResult:
    state: str = ""  # the run's, as this batch found it
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    finished: bool = False  # the run has nothing left to send


def _claim(run_id: int, sender: str, size: int, now: datetime) -> int:
    todo = NoticeRecipient.objects.filter(run_id=run_id, state=RecipientState.PENDING)
    return todo.filter(pk__in=todo.order_by("line").values("pk")[:size]).update(
        state=RecipientState.SENDING, claimed_by=sender, claimed_at=now
    )


def _finish_if_done(run_id: int, now: datetime) -> bool:
    left = NoticeRecipient.objects.filter(
        run_id=run_id, state__in=[RecipientState.PENDING, RecipientState.SENDING]
    )
    if left.exists():
        return False
    if NoticeRun.objects.filter(pk=run_id, state=NoticeState.RUNNING).update(
        state=NoticeState.DONE, finished_at=now
    ):
        run = NoticeRun.objects.get(pk=run_id)
        counts = notice_counts([run_id])[run_id]
        summary = said(
            gettext_noop("Notice “%(name)s” sent: %(sent)s sent, %(failed)s failed"),
            name=run.name,
            sent=counts.sent,
            failed=counts.failed,
        )
        _record(Actor.system(), run, "done", summary, sent=counts.sent, failed=counts.failed)
    return True


def _permanent(error: Exception) -> bool:
    """The server refused this message for good (5xx), rather than the connection failing."""
    if isinstance(error, SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, SMTPResponseException) and error.smtp_code >= 500


def _is_connection(error: Exception) -> bool:
    return isinstance(error, OSError | SMTPServerDisconnected)


def _close(backend) -> None:
    """Drop a broken connection, so the next batch opens a new one."""
    try:
        backend.close()
    except Exception:  # it is broken already
        logger.debug("Closing a broken mail connection failed.", exc_info=True)


def _temporary(error: Exception) -> bool:
    if isinstance(error, SMTPRecipientsRefused):
        return True
    return isinstance(error, SMTPResponseException) and 400 <= error.smtp_code < 500


def notices_send_batch(
    *,
    run_id: int,
    sender: str,
    backend,
    bucket: TokenBucket | None = None,
    size: int | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> BatchResult:
    """Claim up to ``size`` waiting recipients of a running run and send them over
    ``backend``'s one open connection, marking each the moment the server accepts it.
    Rows left in hand when it returns or raises go back to the queue."""
    run = (
        NoticeRun.objects.filter(pk=run_id)
        .values("state", "texts", "languages", "rate_per_second")
        .first()
    )
    result = BatchResult(state=run["state"] if run else "")
    if run is None or run["state"] != NoticeState.RUNNING:
        return result
    notice_claims_recover(run_id=run_id)
    now = timezone.now()
    result.claimed = _claim(run_id, sender, size or min(BATCH_MAX, run["rate_per_second"]), now)
    if not result.claimed:
        result.finished = _finish_if_done(run_id, now)
        return result
    mine = NoticeRecipient.objects.filter(
        run_id=run_id, state=RecipientState.SENDING, claimed_by=sender
    )
    rows = list(
        mine.order_by("line").values_list(
            "pk", "email", "name", "language", "fields", "message_id", "attempts"
        )
    )
    letters = Letters(texts_ordered(run["texts"], run["languages"]))
    marks = _Marks(sender)
    senders: dict[str, str] = {}  # each From address, prepared once per connection
    marked = in_hand = None  # the row already marked; the row whose message is out
    renewed = time.monotonic()
    try:
        backend.open()
        for done, (pk, email, name, language, fields, message_id, attempts) in enumerate(rows):
            if should_stop is not None and should_stop():
                break
            if bucket is not None:
                bucket.take()
            if time.monotonic() - renewed > RENEW_EVERY:
                # Renew the claim; if this process stood still so long that another
                # sender took the rows over, stop here instead of sending them too.
                if mine.update(claimed_at=timezone.now()) < len(rows) - done:
                    break
                renewed = time.monotonic()
            if marked != pk and not marks.handing(pk):
                break  # another sender took it over: it is theirs to send now
            in_hand = pk
            try:
                subject, body = letters.render(
                    email=email, name=name, language=language, fields=fields
                )
                notice = NoticeEmail(
                    to_email=email, to_name=name, subject=subject, body=body, message_id=message_id
                )
                deliver(backend, notice, senders)
            except Exception as error:
                _refused(pk, attempts, error, backend)  # raises when the connection broke
                in_hand = marked = None
                result.failed += 1
                continue
            # Committed at once: after a crash only the message in hand can go again.
            # The next row is marked in the same UPDATE when it goes without waiting.
            ahead = rows[done + 1][0] if done + 1 < len(rows) else None
            going_on = ahead is not None and (bucket is None or bucket.ready())
            marked = ahead if marks.sent(pk, ahead if going_on else None) else None
            in_hand = None
            result.sent += 1
    except OSError as error:  # could not connect at all
        _close(backend)
        raise NoticeSendError(str(error) or type(error).__name__) from error
    finally:
        marks.close()
        # A row whose message was out when this stopped (an exception that is not
        # the mail server's) may have arrived; a row only marked to go next did not.
        _give_back(mine, doubt=Q(pk=in_hand) if in_hand is not None else None)
    return result


def _refused(pk: int, attempts: int, error: Exception, backend) -> None:
    """Record why a message did not go. The server refusing it fails it; a broken
    connection (it may or may not have arrived, so it counts in doubt) queues it
    again, with the same Message-ID, up to MAX_ATTEMPTS times, and stops the batch."""
    text = f"{type(error).__name__}: {error}"[:500]
    one = NoticeRecipient.objects.filter(pk=pk)
    if _permanent(error) or _temporary(error) or not _is_connection(error):
        one.update(
            state=RecipientState.FAILED, attempts=F("attempts") + 1, error=text, handed_at=None
        )
        return
    final = attempts + 1 >= MAX_ATTEMPTS
    one.update(
        state=RecipientState.FAILED if final else RecipientState.PENDING,
        claimed_by="",
        claimed_at=None,
        handed_at=None,
        in_doubt=F("in_doubt") + 1,
        attempts=F("attempts") + 1,
        error=text,
    )
    _close(backend)
    raise NoticeSendError(str(error) or type(error).__name__) from error


@dataclass
class SendTotals:
    sent: int = 0
    failed: int = 0
    state: str = ""


def notice_run_send(
    *,
    run_id: int,
    sender: str | None = None,
    backend=None,
    progress: Callable[[Counts], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    wait: float = 0.5,
    share: int = 1,
) -> SendTotals:
    """Send one run until it is done or paused (or ``should_stop``): what
    ``amends notices send`` and the worker's notice tasks do. Other senders may work
    on the same run; with ``share`` senders at once, each keeps to that share of
    the run's rate."""
    sender = sender or sender_id()
    backend = backend or mailers.default
    totals = SendTotals()
    bucket = None
    counted_at = 0.0
    try:
        while not should_stop():
            current = NoticeRun.objects.filter(pk=run_id).values("rate_per_second").first()
            if current is None:
                break
            limit = current["rate_per_second"]
            if bucket is None:
                bucket = TokenBucket(limit / share)
            elif bucket.rate != limit / share:
                bucket.set_rate(limit / share)
            result = notices_send_batch(
                run_id=run_id,
                sender=sender,
                backend=backend,
                bucket=bucket,
                size=min(BATCH_MAX, limit),
                should_stop=should_stop,
            )
            totals.sent += result.sent
            totals.failed += result.failed
            totals.state = result.state
            if progress is not None and (
                time.monotonic() - counted_at > 0.5 or result.state != NoticeState.RUNNING
            ):
                progress(notice_counts([run_id])[run_id])
                counted_at = time.monotonic()
            if result.state != NoticeState.RUNNING or result.finished:
                if result.finished:
                    totals.state = NoticeState.DONE
                break
            if not result.claimed:
                time.sleep(wait)  # another sender holds the rest: wait for it, or its death
    finally:
        backend.close()
    if progress is not None:
        progress(notice_counts([run_id])[run_id])
    return totals
