"""Sending a notice: claims, one SMTP connection per batch, a mark per message,
the rate limit, and taking back what a dead sender held. The guarantee is in
``amends.notices.services``' docstring."""

import logging
import os
import secrets
import socket
import time
from base64 import b64encode
from binascii import b2a_qp
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import Message as MimeMessage
from email.policy import compat32
from email.utils import formataddr, formatdate, parseaddr
from smtplib import SMTPRecipientsRefused, SMTPResponseException, SMTPServerDisconnected

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import connection
from django.db.models import Case, F, PositiveSmallIntegerField, Q, When
from django.utils import timezone
from django.utils.encoding import punycode

from amends.notices.models import (
    NoticeRecipient,
    NoticeRun,
    NoticeState,
    RecipientState,
    texts_ordered,
)
from amends.notices.services import (
    BATCH_MAX,
    MAX_ATTEMPTS,
    RENEW_EVERY,
    STALE_CLAIM,
    Counts,
    Letters,
    _record,
    notice_counts,
)
from amends.timeline.services import Actor

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
    back = {"state": RecipientState.PENDING, "claimed_by": "", "claimed_at": None}
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


def _encoded_words(text: str) -> str:
    """RFC 2047: UTF-8 in base64 words of at most 68 characters (so "Subject: " and
    one word fit in 78), never splitting a character, folded with CRLF and a space."""
    words, chunk = [], b""
    for char in text:
        data = char.encode()
        if len(chunk) + len(data) > 42:
            words.append(chunk)
            chunk = b""
        chunk += data
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{b64encode(word).decode()}?=" for word in words)


def _header(name: str, value: str) -> str:
    """One header, folded at spaces under 78 characters, encoded when not ASCII."""
    if not value.isascii():
        return f"{name}: {_encoded_words(value)}"
    lines, line = [], f"{name}:"
    for word in value.split(" "):
        if len(line) + 1 + len(word) > 78 and line != f"{name}:":
            lines.append(line)
            line = ""
        line += f" {word}"
    return "\r\n".join([*lines, line])


def _address_header(name: str, display: str, address: str) -> str:
    local, _, domain = address.rpartition("@")
    if not domain.isascii():
        domain = punycode(domain)
    if display.isascii():
        return _header(name, formataddr((display, f"{local}@{domain}")))
    return f"{name}: {_encoded_words(display)}\r\n <{local}@{domain}>"


_FROM_CACHE: dict[str, str] = {}


class _Prepared(MimeMessage):
    """A message whose wire form is already made: as_bytes() returns it as it is."""

    def __init__(self, raw: bytes):
        super().__init__(policy=compat32.clone(linesep="\r\n"))
        self.raw = raw

    def as_bytes(self, unixfrom=False, policy=None) -> bytes:
        return self.raw

    def as_string(self, unixfrom=False, maxheaderlen=0, policy=None) -> str:
        return self.raw.decode("ascii")


class NoticeEmail(EmailMessage):
    """A plain-text notice whose wire form is built by hand. The standard library's
    header classes cost about a millisecond a message, the whole budget at 1,000 a
    second; these headers are simple (no names but the recipient's, no attachments)
    and are written directly, encoded and folded as RFC 5322 and 2047 ask."""

    def __init__(self, *, to_email: str, to_name: str, subject: str, body: str, message_id: str):
        super().__init__(
            subject=" ".join(subject.split()),
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to_email],
            headers={"Message-ID": message_id},
        )
        self.to_name = to_name

    def wire(self, *, eight_bit: bool = False) -> tuple[bytes, str]:
        """The message as it goes on the wire, and its body's transfer encoding: 8bit
        (UTF-8 as written: smaller, and less work for both ends) only when the server
        takes it (8BITMIME), else quoted-printable; plain 7bit for ASCII."""
        sender = self.from_email
        if sender not in _FROM_CACHE:
            name, address = parseaddr(sender)
            _FROM_CACHE[sender] = _address_header("From", name, address)
        body = self.body.replace("\r\n", "\n")
        body = body if body.endswith("\n") else body + "\n"
        data = body.encode()
        short = max(map(len, data.splitlines())) < 990
        if short and body.isascii():
            encoding, payload = "7bit", data
        elif short and eight_bit:
            encoding, payload = "8bit", data
        else:
            encoding, payload = "quoted-printable", b2a_qp(data)
        head = "\r\n".join(
            [
                _FROM_CACHE[sender],
                _address_header("To", self.to_name, self.to[0]),
                _header("Subject", str(self.subject)),
                f"Date: {formatdate(usegmt=True)}",
                f"Message-ID: {self.extra_headers['Message-ID']}",
                "MIME-Version: 1.0",
                'Content-Type: text/plain; charset="utf-8"',
                f"Content-Transfer-Encoding: {encoding}",
            ]
        )
        raw = head.encode("ascii") + b"\r\n\r\n" + payload.replace(b"\n", b"\r\n")
        return raw, encoding

    def message(self, *, policy=None) -> MimeMessage:
        return _Prepared(self.wire()[0])


def _deliver(backend, notice: NoticeEmail, senders: dict[str, str]) -> None:
    """Hand one notice to the mail server. Django's SMTP backend parses both addresses
    of every message again, a quarter of the sender's time at 1,000 a second; ours
    were checked when the file was read, so with that backend the bytes go straight
    to its open connection (the sender's address is prepared by the backend, once)."""
    if isinstance(backend, SmtpBackend) and backend.connection is not None:
        if notice.from_email not in senders:
            senders[notice.from_email] = backend.prep_address(notice.from_email)
        local, _, domain = notice.to[0].rpartition("@")
        to = f"{local}@{domain if domain.isascii() else punycode(domain)}"
        raw, encoding = notice.wire(eight_bit=backend.connection.has_extn("8bitmime"))
        options = ["BODY=8BITMIME"] if encoding == "8bit" else []
        backend.connection.sendmail(senders[notice.from_email], [to], raw, options)
    else:
        backend.send_messages([notice])


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
        summary = f"Notice “{run.name}” sent: {counts.sent} sent, {counts.failed} failed"
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
    marks, senders = _Marks(sender), {}
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
                _deliver(backend, notice, senders)
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
