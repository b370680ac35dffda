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
* Those copies are counted, never hidden. A row is marked (``handed_at``) before
  its message goes to the server, and the UPDATE that records it sent clears the
  mark (and, when the next message goes at once, marks that one: no second write);
  no message goes without its mark, and a sender holds one mark at most. A row
  that goes back to the queue with the mark set, or whose connection broke while
  it was in hand, adds one to its ``in_doubt``: its message may have been
  delivered twice. The sum, ``Counts.in_doubt``, is on the notice's page, in
  ``amends notices status`` and in the API. It is an upper bound, at most one per
  dead sender or broken connection: a sender that dies after the mark and before
  the server has the whole message is counted too, as nothing can tell the two
  apart. It says "may have", never "was".

A dead sender is known by its id, host:pid:random. Machines that share one
database must have different host names; a sender on another machine is taken
for dead only when its claim is STALE_CLAIM old (live ones renew theirs).

The marks must commit as they are made: call the senders outside a transaction.
"""

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from amends.incidents.models import Incident
from amends.notices.csvio import RecipientReader, RecipientsRejected
from amends.notices.models import NoticeRecipient, NoticeRun, NoticeState, RecipientState
from amends.notices.texts import texts_clean, texts_used_fields
from amends.timeline.services import Actor, Said, event_record, said

logger = logging.getLogger(__name__)

BATCH_MAX = 100  # rows per claim: a pause or a stop waits for at most one batch
STALE_CLAIM = timedelta(minutes=2)  # a live sender renews its claim well within this
RENEW_EVERY = 30.0  # seconds
MAX_ATTEMPTS = 5
MAX_RATE = 100_000
INSERT_BATCH = 2000

# -- writing --------------------------------------------------------------------


def _check_writer(actor: Actor, incident: Incident) -> None:
    actor.require_write(incident.team_id, _("You may look at these notices but not send any."))


def _check_draft(run: NoticeRun) -> None:
    if run.state != NoticeState.DRAFT:
        raise ValidationError(
            _("This notice has started: its words and its list can no longer change.")
        )


# What starting, pausing and resuming a notice write on the timeline.
STATE_EVENTS = {
    "started": gettext_noop("Notice “%(name)s” started"),
    "paused": gettext_noop("Notice “%(name)s” paused"),
    "resumed": gettext_noop("Notice “%(name)s” resumed"),
}


def _record(actor: Actor, run: NoticeRun, action: str, summary: Said, **after: Any) -> None:
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
            texts=(cleaned := texts_clean(texts)),
            languages=list(cleaned),
            rate_per_second=_rate(rate_per_second),
            created_by=actor.user,
        )
        _record(
            actor,
            run,
            "created",
            said(gettext_noop("Notice “%(name)s” written"), name=run.name),
            texts=run.texts,
        )
    return run


def notice_run_set_texts(*, actor: Actor, run: NoticeRun, texts: dict) -> NoticeRun:
    _check_writer(actor, run.incident)
    _check_draft(run)
    run.texts = texts_clean(texts)
    run.languages = list(run.texts)
    with transaction.atomic():
        changed = NoticeRun.objects.filter(pk=run.pk, state=NoticeState.DRAFT).update(
            texts=run.texts, languages=run.languages
        )
        if not changed:
            _check_draft(NoticeRun.objects.get(pk=run.pk))
        _record(
            actor,
            run,
            "texts",
            said(gettext_noop("Notice “%(name)s”: texts changed"), name=run.name),
            texts=run.texts,
        )
    return run


def notice_run_set_rate(*, actor: Actor, run: NoticeRun, rate_per_second: int) -> NoticeRun:
    _check_writer(actor, run.incident)
    run.rate_per_second = _rate(rate_per_second)
    with transaction.atomic():
        NoticeRun.objects.filter(pk=run.pk).update(rate_per_second=run.rate_per_second)
        _record(
            actor,
            run,
            "rate",
            said(
                gettext_noop("Notice “%(name)s”: %(rate)s/s"),
                name=run.name,
                rate=run.rate_per_second,
            ),
        )
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
        _record(
            actor,
            run,
            "recipients",
            said(
                gettext_noop("Notice “%(name)s”: %(count)s recipients"),
                name=run.name,
                count=reader.rows,
            ),
        )
    return reader.rows


def _set_state(
    actor: Actor, run: NoticeRun, *, before: list[str], after: str, event: str, **extra: Any
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
        _record(actor, run, event, said(STATE_EVENTS[event], name=run.name))


def _senders_start(run: NoticeRun) -> None:
    # The tasks module imports this one (its senders use these services), hence here.
    from amends.notices.tasks import notice_senders_enqueue

    notice_senders_enqueue(run.pk)


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
    _senders_start(run)
    return run


def notice_run_pause(*, actor: Actor, run: NoticeRun) -> NoticeRun:
    """Senders finish the message in hand (at most a batch, about a second) and stop."""
    _check_writer(actor, run.incident)
    _set_state(actor, run, before=[NoticeState.RUNNING], after=NoticeState.PAUSED, event="paused")
    return run


def notice_run_resume(*, actor: Actor, run: NoticeRun) -> NoticeRun:
    _check_writer(actor, run.incident)
    _set_state(actor, run, before=[NoticeState.PAUSED], after=NoticeState.RUNNING, event="resumed")
    _senders_start(run)
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
            _record(
                actor,
                run,
                "retry",
                said(
                    gettext_noop("Notice “%(name)s”: %(count)s to try again"),
                    name=run.name,
                    count=again,
                ),
            )
    if again and run.state == NoticeState.RUNNING:
        _senders_start(run)
    return again
