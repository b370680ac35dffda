"""Notices to everyone an incident touched: tens of thousands of people, each in
their language, sent in the background at a set rate, pausable, safe to kill.

A run is written (texts per language, a recipient file), then started; from then
on its words and its list are fixed. Senders (``amends notices send RUN`` or the
worker) claim small batches of waiting recipients with one compare-and-set UPDATE
(pending -> sending, with the sender's id), send each batch over one SMTP
connection, and mark each recipient sent with its own committed UPDATE the moment
the server has answered 250. Two senders never hold the same row.

The delivery guarantee, exactly:

* Nobody is missed. A row leaves "pending" only for "sending", and leaves
  "sending" only for "sent" (after the server's 250), "failed" (the server said
  no, or five attempts broke the connection), or back to "pending" (a sender that
  stops, even by SIGKILL, power loss or a lost connection, gives its rows back:
  itself when it can, otherwise the next sender does, at once when the dead one
  ran on the same machine, after STALE_CLAIM when it ran elsewhere).
* Nobody gets two different messages. Texts and recipients cannot change once a
  run has started, and each recipient's Message-ID is fixed when the file is
  read, so every attempt for a recipient is the same message.
* The same message crosses the wire twice only when a sender dies, or its
  connection breaks, after the server accepted a message and before its "sent"
  UPDATE committed: a window of well under a millisecond, at most one recipient
  per dead sender or broken connection (rows are sent one at a time, in order).
  (Also once when a sender's process stands still, suspended, for longer than
  STALE_CLAIM with a message in hand: it checks its claim before the next one.)
  That copy carries the same Message-ID, so a mail store that de-duplicates on it
  keeps one. No design can close that window: the server's "250" and our database
  are two systems with no shared commit.

A dead sender is known by its id, host:pid:random. Machines that share one
database must have different host names; a sender on another machine is taken
for dead only when its claim is STALE_CLAIM old (live ones renew theirs).

The marks must commit as they are made: call the senders outside a transaction.
"""

import logging
import os
import re
import secrets
import socket
import time
from base64 import b64encode
from binascii import b2a_qp
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import Message as MimeMessage
from email.policy import compat32
from email.utils import formataddr, formatdate, parseaddr
from smtplib import SMTPRecipientsRefused, SMTPResponseException, SMTPServerDisconnected
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import connection, transaction
from django.db.models import Count, F
from django.http import Http404
from django.template import (
    Context,
    Engine,
    Library,
    TemplateSyntaxError,
    defaultfilters,
    defaulttags,
)
from django.utils import timezone
from django.utils.encoding import punycode
from django.utils.translation import gettext as _

from amends.accounts.models import language_code
from amends.comms.models import NoticeRecipient, NoticeRun, NoticeState, RecipientState
from amends.comms.notices_csv import RecipientReader, RecipientsRejected
from amends.incidents.models import Incident
from amends.people.access import READ, WRITE, user_can
from amends.timeline.services import Actor, event_record

logger = logging.getLogger(__name__)

BATCH_MAX = 100  # rows per claim: a pause or a stop waits for at most one batch
STALE_CLAIM = timedelta(minutes=2)  # a live sender renews its claim well within this
RENEW_EVERY = 30.0  # seconds
MAX_ATTEMPTS = 5
MAX_RATE = 100_000
INSERT_BATCH = 2000

# -- reading --------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sending + self.sent + self.failed

    @property
    def finished(self) -> int:
        return self.sent + self.failed


def notice_counts(run_ids: Iterable[int]) -> dict[int, Counts]:
    """Recipients by state, per run: one GROUP BY over the (run, state, line) index."""
    ids = list(run_ids)
    found: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    rows = (
        NoticeRecipient.objects.filter(run_id__in=ids)
        .order_by()
        .values_list("run_id", "state")
        .annotate(n=Count("id"))
    )
    for run_id, state, n in rows:
        found[run_id][state] = n
    return {pk: Counts(**states) for pk, states in found.items()}


def notice_run_get_for(*, user, run_id: int, action: str = READ) -> NoticeRun:
    """The run ``user`` may see, or 404; for a change, 403 when they may only look.

    Runs belong to the incident's team: someone who sees the incident only through
    an affected account of their own team sees none of its recipient lists."""
    run = NoticeRun.objects.select_related("incident").filter(pk=run_id).first()
    if run is None or not user_can(user, READ, run.incident.team_id):
        raise Http404("No such notice.")
    if action == WRITE and not user_can(user, WRITE, run.incident.team_id):
        raise PermissionDenied(_("You may look at this notice but not change it."))
    return run


def notice_incident_get_for(*, user, incident_id: int, action: str = READ) -> Incident:
    """The incident whose notices ``user`` may see (404 otherwise), or change (403)."""
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None or not user_can(user, READ, incident.team_id):
        raise Http404("No such incident.")
    if action == WRITE and not user_can(user, WRITE, incident.team_id):
        raise PermissionDenied(_("You may look at these notices but not send any."))
    return incident


def notice_runs_for(*, incident: Incident) -> list[tuple[NoticeRun, Counts]]:
    runs = list(incident.notice_runs.all())
    counts = notice_counts(run.pk for run in runs)
    return [(run, counts[run.pk]) for run in runs]


def notice_failures(*, run: NoticeRun, limit: int = 50):
    return run.recipients.filter(state=RecipientState.FAILED).order_by("line")[:limit]


# -- texts: Django's template language, with only what a letter needs ------------

_TAGS = (
    "comment",
    "cycle",
    "filter",
    "firstof",
    "for",
    "if",
    "ifchanged",
    "now",
    "spaceless",
    "templatetag",
    "verbatim",
    "widthratio",
    "with",
)
_LIBRARY = Library()
_LIBRARY.filters.update(defaultfilters.register.filters)
_LIBRARY.tags.update({name: defaulttags.register.tags[name] for name in _TAGS})


class _LetterEngine(Engine):
    """No {% load %}, {% include %}, {% url %} or {% debug %}: a text can reach
    nothing but the plain dictionaries it is rendered with."""

    default_builtins: list[str] = []

    def get_template_builtins(self, builtins):
        return [_LIBRARY]


_ENGINE = _LetterEngine(autoescape=False, loaders=[], libraries={})
_TAG_OR_VARIABLE = re.compile(r"\{[{%].*?[%}]\}", re.DOTALL)
_FIELD = re.compile(r"\bfields\.(\w+)")


def texts_used_fields(texts: dict) -> set[str]:
    """The file columns the texts name as {{ fields.x }}."""
    used = set()
    for text in texts.values():
        for source in (text["subject"], text["body"]):
            for tag in _TAG_OR_VARIABLE.findall(source):
                used.update(_FIELD.findall(tag))
    return used


def texts_clean(texts: Any) -> dict[str, dict[str, str]]:
    """Check texts ({language: {subject, body}}, the first the fallback) and return
    them tidied; a ValidationError names the language and the part at fault."""
    if not isinstance(texts, dict) or not texts:
        raise ValidationError({"texts": _("Write the notice in at least one language.")})
    cleaned: dict[str, dict[str, str]] = {}
    errors: dict[str, list[str]] = {}
    for raw_code, text in texts.items():
        code = str(raw_code).strip().casefold()
        try:
            language_code(code)
        except ValidationError as error:
            errors[f"texts.{raw_code}"] = error.messages
            continue
        if code in cleaned:
            errors[f"texts.{code}"] = [_("This language appears twice.")]
            continue
        text = text if isinstance(text, dict) else {}
        subject = " ".join(str(text.get("subject") or "").split())
        body = str(text.get("body") or "").replace("\r\n", "\n").strip()
        for part, value, limit in (("subject", subject, 300), ("body", body, 100_000)):
            key = f"texts.{code}.{part}"
            if not value:
                errors[key] = [_("This is required.")]
            elif len(value) > limit:
                errors[key] = [_("This is longer than %(n)s characters.") % {"n": limit}]
            else:
                try:
                    _ENGINE.from_string(value)
                except TemplateSyntaxError as error:
                    errors[key] = [_("This text has a mistake: %(error)s") % {"error": error}]
        cleaned[code] = {"subject": subject, "body": body}
    if errors:
        raise ValidationError(errors)
    return cleaned


class Letters:
    """Each language's subject and body, compiled once, rendered per recipient in
    their language: ``pt-br`` takes a ``pt-br`` text, else a ``pt`` one, else the first."""

    def __init__(self, texts: dict):
        self.compiled = {
            code: (_ENGINE.from_string(t["subject"]), _ENGINE.from_string(t["body"]))
            for code, t in texts.items()
        }
        self.fallback = next(iter(self.compiled))
        self.chosen: dict[str, str] = {}

    def text_for(self, language: str) -> str:
        if language not in self.chosen:
            primary = language.split("-")[0]
            same = [code for code in self.compiled if code.split("-")[0] == primary]
            exact = language if language in self.compiled else None
            self.chosen[language] = (
                exact
                or (primary if primary in self.compiled else None)
                or (same[0] if same else self.fallback)
            )
        return self.chosen[language]

    def render(self, *, email: str, name: str, language: str, fields: dict) -> tuple[str, str]:
        subject, body = self.compiled[self.text_for(language)]
        values = {"name": name, "email": email, "fields": fields}
        rendered_subject = subject.render(Context(values, autoescape=False))
        rendered_body = body.render(Context(values, autoescape=False))
        return " ".join(rendered_subject.split()), rendered_body


def notice_languages(*, run: NoticeRun) -> list[tuple[str, int, str]]:
    """(the people's language, how many, the text they get), most people first."""
    letters = Letters(run.texts) if run.texts else None
    rows = (
        run.recipients.order_by()
        .values_list("language")
        .annotate(n=Count("id"))
        .order_by("-n", "language")
    )
    return [(code, n, letters.text_for(code) if letters else "") for code, n in rows]


# -- writing --------------------------------------------------------------------


def _check_writer(actor: Actor, incident: Incident) -> None:
    if actor.user is not None and not user_can(actor.user, WRITE, incident.team_id):
        raise PermissionDenied(_("You may look at these notices but not send any."))


def _check_draft(run: NoticeRun) -> None:
    if run.state != NoticeState.DRAFT:
        raise ValidationError(
            _("This notice has started: its words and its list can no longer change.")
        )


def _record(actor: Actor, run: NoticeRun, action: str, summary: str, **after) -> None:
    event_record(
        actor=actor,
        action=f"notice.{action}",
        subject=run,
        account_id=None,
        summary=summary,
        after=after,
    )


def _rate(rate: Any) -> int:
    if not isinstance(rate, int) or not 1 <= rate <= MAX_RATE:
        message = _("Send between 1 and %(n)s messages a second.") % {"n": f"{MAX_RATE:,}"}
        raise ValidationError({"rate_per_second": [message]})
    return rate


def notice_run_create(
    *, actor: Actor, incident: Incident, name: str, texts: dict, rate_per_second: int = 200
) -> NoticeRun:
    _check_writer(actor, incident)
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": [_("Give the notice a name.")]})
    with transaction.atomic():
        run = NoticeRun.objects.create(
            incident=incident,
            name=name[:200],
            texts=texts_clean(texts),
            rate_per_second=_rate(rate_per_second),
            created_by=actor.user,
        )
        _record(actor, run, "created", f"Notice “{run.name}” written", texts=run.texts)
    return run


def notice_run_set_texts(*, actor: Actor, run: NoticeRun, texts: dict) -> NoticeRun:
    _check_writer(actor, run.incident)
    _check_draft(run)
    run.texts = texts_clean(texts)
    with transaction.atomic():
        changed = NoticeRun.objects.filter(pk=run.pk, state=NoticeState.DRAFT).update(
            texts=run.texts
        )
        if not changed:
            _check_draft(NoticeRun.objects.get(pk=run.pk))
        _record(actor, run, "texts", f"Notice “{run.name}”: texts changed", texts=run.texts)
    return run


def notice_run_set_rate(*, actor: Actor, run: NoticeRun, rate_per_second: int) -> NoticeRun:
    _check_writer(actor, run.incident)
    run.rate_per_second = _rate(rate_per_second)
    with transaction.atomic():
        NoticeRun.objects.filter(pk=run.pk).update(rate_per_second=run.rate_per_second)
        _record(actor, run, "rate", f"Notice “{run.name}”: {run.rate_per_second}/s")
    return run


def _message_domain() -> str:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host or "amends.local"


def notice_recipients_import(*, actor: Actor, run: NoticeRun, stream: Iterable) -> int:
    """Replace a draft's recipients with the file's, all or nothing; the file is read
    as a stream and written in batches inside one transaction. Returns how many."""
    _check_writer(actor, run.incident)
    _check_draft(run)
    if not run.texts:
        raise ValidationError(_("Write the notice first: the file's columns are checked."))
    reader = RecipientReader(stream, used=texts_used_fields(run.texts))
    domain = _message_domain()
    with transaction.atomic():
        locked = NoticeRun.objects.filter(pk=run.pk, state=NoticeState.DRAFT).update(
            state=NoticeState.DRAFT
        )
        if not locked:
            _check_draft(NoticeRun.objects.get(pk=run.pk))
        NoticeRecipient.objects.filter(run_id=run.pk).delete()
        batch: list[NoticeRecipient] = []
        for row in reader:
            batch.append(
                NoticeRecipient(
                    run_id=run.pk,
                    line=row.line,
                    email=row.email,
                    name=row.name,
                    language=row.language,
                    fields=row.fields,
                    message_id=f"<notice.{run.pk}.{row.line}.{secrets.token_hex(8)}@{domain}>",
                )
            )
            if len(batch) >= INSERT_BATCH:
                NoticeRecipient.objects.bulk_create(batch)
                batch = []
        if reader.problems:
            raise RecipientsRejected(reader.problems)  # and the transaction rolls back
        NoticeRecipient.objects.bulk_create(batch)
        _record(actor, run, "recipients", f"Notice “{run.name}”: {reader.rows} recipients")
    return reader.rows


def _set_state(
    actor: Actor, run: NoticeRun, *, before: list[str], after: str, event: str, **extra
) -> None:
    with transaction.atomic():
        changed = NoticeRun.objects.filter(pk=run.pk, state__in=before).update(state=after, **extra)
        if not changed:
            run.refresh_from_db(fields=["state"])
            raise ValidationError(
                _("This notice is %(state)s: nothing to do.") % {"state": run.get_state_display()}
            )
        run.state = after
        for key, value in extra.items():
            setattr(run, key, value)
        _record(actor, run, event, f"Notice “{run.name}” {event}")


def notice_run_start(*, actor: Actor, run: NoticeRun, now: datetime | None = None) -> NoticeRun:
    """Freeze the words and the list, and let the senders go."""
    _check_writer(actor, run.incident)
    _check_draft(run)
    texts_clean(run.texts)
    first = run.recipients.order_by("line").first()
    if first is None:
        raise ValidationError(_("Upload the list of people to write to first."))
    missing = sorted(texts_used_fields(run.texts) - set(first.fields))
    if missing:
        raise ValidationError(
            _("The texts use {{ fields.%(name)s }}, which the list does not have.")
            % {"name": missing[0]}
        )
    _set_state(
        actor,
        run,
        before=[NoticeState.DRAFT],
        after=NoticeState.RUNNING,
        event="started",
        started_at=now or timezone.now(),
    )
    return run


def notice_run_pause(*, actor: Actor, run: NoticeRun) -> NoticeRun:
    """Senders finish the message in hand (at most a batch, about a second) and stop."""
    _check_writer(actor, run.incident)
    _set_state(actor, run, before=[NoticeState.RUNNING], after=NoticeState.PAUSED, event="paused")
    return run


def notice_run_resume(*, actor: Actor, run: NoticeRun) -> NoticeRun:
    _check_writer(actor, run.incident)
    _set_state(actor, run, before=[NoticeState.PAUSED], after=NoticeState.RUNNING, event="resumed")
    return run


def notice_run_retry_failed(*, actor: Actor, run: NoticeRun) -> int:
    """Queue the recipients the mail server refused again (same message, same id)."""
    _check_writer(actor, run.incident)
    if run.state == NoticeState.DRAFT:
        raise ValidationError(_("This notice has not started."))
    with transaction.atomic():
        again = run.recipients.filter(state=RecipientState.FAILED).update(
            state=RecipientState.PENDING, attempts=0, error=""
        )
        if again:
            NoticeRun.objects.filter(pk=run.pk, state=NoticeState.DONE).update(
                state=NoticeState.RUNNING, finished_at=None
            )
            run.refresh_from_db(fields=["state", "finished_at"])
            _record(actor, run, "retry", f"Notice “{run.name}”: {again} to try again")
    return again


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


def notice_claims_recover(*, run_id: int, now: datetime | None = None) -> int:
    """Give back what dead senders held: gone from this machine, or silent for
    STALE_CLAIM. Those rows go out again, in order, with their own Message-ID; at
    most the first of each dead sender's rows may have reached the server already."""
    now = now or timezone.now()
    back = {"state": RecipientState.PENDING, "claimed_by": "", "claimed_at": None}
    sending = NoticeRecipient.objects.filter(run_id=run_id, state=RecipientState.SENDING)
    released = sending.filter(claimed_at__lt=now - STALE_CLAIM).update(**back)
    holders = set(sending.order_by().values_list("claimed_by", flat=True).distinct())
    for holder in holders:
        if _sender_is_gone(holder):
            released += sending.filter(claimed_by=holder).update(**back)
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
    for every message would cost more than the SMTP exchange itself."""

    def __init__(self):
        table = connection.ops.quote_name(NoticeRecipient._meta.db_table)
        self.sql = (
            f"UPDATE {table} SET state = %s, sent_at = %s, attempts = attempts + 1, "  # noqa: S608 - our own table's name
            "error = '' WHERE id = %s"
        )
        self.cursor = connection.cursor()

    def sent(self, pk: int) -> None:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.cursor.execute(self.sql, [RecipientState.SENT.value, now, pk])

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
    run = NoticeRun.objects.filter(pk=run_id).values("state", "texts", "rate_per_second").first()
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
    letters = Letters(run["texts"])
    marks, senders = _Marks(), {}
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
                result.failed += 1
                continue
            marks.sent(pk)  # committed at once: nobody is sent twice after a crash
            result.sent += 1
    except OSError as error:  # could not connect at all
        _close(backend)
        raise NoticeSendError(str(error) or type(error).__name__) from error
    finally:
        marks.close()
        mine.update(state=RecipientState.PENDING, claimed_by="", claimed_at=None)
    return result


def _refused(pk: int, attempts: int, error: Exception, backend) -> None:
    """Record why a message did not go. The server refusing it fails it; a broken
    connection (it may or may not have arrived) queues it again, with the same
    Message-ID, up to MAX_ATTEMPTS times, and stops the batch."""
    text = f"{type(error).__name__}: {error}"[:500]
    one = NoticeRecipient.objects.filter(pk=pk)
    if _permanent(error) or _temporary(error) or not _is_connection(error):
        one.update(state=RecipientState.FAILED, attempts=F("attempts") + 1, error=text)
        return
    final = attempts + 1 >= MAX_ATTEMPTS
    one.update(
        state=RecipientState.FAILED if final else RecipientState.PENDING,
        claimed_by="",
        claimed_at=None,
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
) -> SendTotals:
    """Send one run until it is done or paused (or ``should_stop``): what
    ``amends notices send`` does. Other senders may work on the same run."""
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
                bucket = TokenBucket(limit)
            elif bucket.rate != limit:
                bucket.set_rate(limit)
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


def notices_send_running(
    *,
    seconds: float,
    sender: str | None = None,
    backend=None,
    should_stop: Callable[[], bool] = lambda: False,
) -> bool:
    """The worker's turn: send every running run, a batch each in turn, for up to
    ``seconds``. True when there is more to send right away."""
    deadline = time.monotonic() + seconds
    sender = sender or sender_id()
    runs = dict(
        NoticeRun.objects.filter(state=NoticeState.RUNNING)
        .order_by("started_at", "pk")
        .values_list("pk", "rate_per_second")
    )
    if not runs:
        return False
    backend = backend or mailers.default
    buckets = {pk: TokenBucket(rate) for pk, rate in runs.items()}
    try:
        while runs and time.monotonic() < deadline and not should_stop():
            for run_id in list(runs):
                result = notices_send_batch(
                    run_id=run_id,
                    sender=sender,
                    backend=backend,
                    bucket=buckets[run_id],
                    should_stop=should_stop,
                )
                if result.state != NoticeState.RUNNING or not result.claimed:
                    del runs[run_id]
    except NoticeSendError as error:
        logger.warning("Notices: the mail server failed (%s); trying again later.", error)
        return False
    finally:
        backend.close()
    return bool(runs)
