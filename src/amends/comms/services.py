"""Sending, exactly once. Every message is first a row in the delivery log with a
unique key (what, about which case, to whom). Sending claims the row with a
compare-and-set update, hands the mail to the SMTP server, and marks it sent; a
second click, a retry or a second worker finds the row and sends nothing.

If the process dies between the SMTP server's "250 OK" and the row being marked
sent, the row stays "sending". ``messages_recover`` sends those again after a
while with the same Message-ID, so a mailbox that sees it twice keeps one: the
one case where the wire may carry a message twice, and the mail does not."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from amends.accounts.models import Account
from amends.comms.coach import coach_check, coach_score
from amends.comms.models import Message, MessageState
from amends.people.access import WRITE, user_can
from amends.recovery.models import Channel, RecordKind, RecoveryCase
from amends.recovery.services import record_add
from amends.timeline.services import Actor, event_record, said

STALE_CLAIM = timedelta(minutes=10)

# Apps above this one add headers to outgoing mail (the mail app: a case's reply
# address). Each is called with the message about to be logged and returns headers.
outgoing_headers: list[Callable[["Outgoing"], dict[str, str]]] = []


def message_id_new(key: str) -> str:
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    label = re.sub(r"[^A-Za-z0-9]+", ".", key)[:40]
    return make_msgid(idstring=label, domain=domain or "amends.local")


@dataclass(frozen=True)
class Outgoing:
    """A message to send: what it is, to whom, the words."""

    key: str
    kind: str
    to_email: str
    subject: str
    body: str
    to_name: str = ""
    language: str = ""
    case: RecoveryCase | None = None
    account: Account | None = None
    # In-Reply-To, References, Reply-To, From: what threads it with the customer's mail.
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    message: Message
    sent_now: bool  # this call handed it to the mail server
    already_sent: bool  # it had been sent before: nothing happened


def _check(actor: Actor, outgoing: Outgoing) -> None:
    account = outgoing.account or (outgoing.case.account if outgoing.case else None)
    writer = actor.user is None or account is None or user_can(actor.user, WRITE, account.team_id)
    if not writer:
        raise PermissionDenied(gettext("You may not send messages for this account."))
    if outgoing.case is not None and outgoing.case.is_closed:
        raise ValidationError(gettext("This case is closed; nothing more is sent from it."))
    if not outgoing.subject.strip() or not outgoing.body.strip():
        raise ValidationError({"body": gettext("A message needs a subject and some words.")})


def message_queue(
    *, actor: Actor, outgoing: Outgoing, resend_of: Message | None = None
) -> tuple[Message, bool]:
    """The log row for ``outgoing``: made now, or the one already there. Returns
    (message, made)."""
    _check(actor, outgoing)
    account = outgoing.account or (outgoing.case.account if outgoing.case else None)
    headers: dict[str, str] = {}
    for hook in outgoing_headers:
        headers |= hook(outgoing)
    defaults = {
        "kind": outgoing.kind,
        "case": outgoing.case,
        "account": account,
        "recipient_email": outgoing.to_email,
        "recipient_name": outgoing.to_name,
        "language": outgoing.language,
        "subject": outgoing.subject.strip(),
        "body": outgoing.body.strip(),
        "message_id": message_id_new(outgoing.key),
        "sent_by": actor.user,
        "resend_of": resend_of,
        "headers": headers | outgoing.headers,
    }
    try:
        with transaction.atomic():
            return Message.objects.get_or_create(key=outgoing.key, defaults=defaults)
    except IntegrityError:
        # Two clicks at once: the other one made it.
        return Message.objects.get(key=outgoing.key), False


def _claim(message: Message, now: datetime) -> bool:
    claimable = [MessageState.QUEUED, MessageState.FAILED]
    claimed = Message.objects.filter(pk=message.pk, state__in=claimable).update(
        state=MessageState.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return claimed == 1


def _email(message: Message) -> EmailMessage:
    to = formataddr((message.recipient_name, message.recipient_email))
    extra = dict(message.headers or {})
    sender = extra.pop("From", "") or settings.DEFAULT_FROM_EMAIL
    return EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=sender,
        to=[to],
        headers={**extra, "Message-ID": message.message_id},
    )


def message_deliver(
    message: Message, *, actor: Actor, backend: BaseEmailBackend | None = None
) -> bool:
    """Send one logged message if nobody has; True when this call sent it."""
    now = timezone.now()
    if not _claim(message, now):
        return False
    try:
        mailer = backend or mailers.default
        mailer.send_messages([_email(message)])
    except Exception as error:  # the mail server said no, or was not there
        Message.objects.filter(pk=message.pk).update(
            state=MessageState.FAILED, error=str(error)[:500]
        )
        message.state, message.error = MessageState.FAILED, str(error)[:500]
        return False
    sent_at = timezone.now()
    Message.objects.filter(pk=message.pk).update(state=MessageState.SENT, sent_at=sent_at, error="")
    message.state, message.sent_at = MessageState.SENT, sent_at
    message_record_on_case(actor=actor, message=message)
    if message.account_id:
        event_record(
            actor=actor,
            action=f"message.sent.{message.kind}",
            subject=message.case or message.account,
            account_id=message.account_id,
            summary=said(
                gettext_noop("Sent to %(to)s: %(subject)s"),
                to=message.recipient_email,
                subject=message.subject,
            ),
            after={"to": message.recipient_email, "subject": message.subject, "body": message.body},
        )
    return True


def message_send(*, actor: Actor, outgoing: Outgoing, resend: bool = False) -> SendResult:
    """Send ``outgoing`` once. With ``resend`` (a person confirmed it), a message
    already sent goes again as a new log row that points to the first."""
    existing = Message.objects.filter(key=outgoing.key).first()
    if resend and existing is not None and existing.state == MessageState.SENT:
        count = existing.resends.count() + 1
        again = Outgoing(**{**outgoing.__dict__, "key": f"{outgoing.key}:resend:{count}"})
        message, _ = message_queue(actor=actor, outgoing=again, resend_of=existing)
    else:
        message, _ = message_queue(actor=actor, outgoing=outgoing)
    if message.state == MessageState.SENT:
        return SendResult(message, sent_now=False, already_sent=True)
    sent = message_deliver_on_commit(message, actor=actor)
    return SendResult(message, sent_now=bool(sent), already_sent=False)


# A message from the composer that is itself a step's record (record once).
RECORDED_KINDS = {
    "first_contact": RecordKind.CONTACT,
    "apology": RecordKind.APOLOGY,
    "explanation": RecordKind.EXPLANATION,
}


def message_record_on_case(*, actor: Actor, message: Message) -> None:
    """Record a case's first contact, apology or explanation on the case once the mail
    server took it (not when it was only queued: a refused mail said nothing), so its
    step completes itself; the apology coach's reading is kept beside the words, and a
    first-person failure shows on the case as a warning. Once per message, however
    often delivery is retried."""
    kind = RECORDED_KINDS.get(message.kind)
    if kind is None or message.case_id is None:
        return
    case = RecoveryCase.objects.select_related("account").get(pk=message.case_id)
    if case.is_closed or case.records.filter(kind=kind, data__message=str(message.pk)).exists():
        return
    sent_as = f"{message.subject} ({message.recipient_email})"
    if kind == RecordKind.CONTACT:
        data = {
            "channel": Channel.EMAIL,
            "with_whom": message.recipient_name or message.recipient_email,
            "note": sent_as,
            "message": str(message.pk),
        }
    else:
        findings = coach_check(
            message.body, kind=message.kind, language=message.language or None, author=""
        )
        passed, total = coach_score(findings)
        reading = "; ".join(f.message for f in findings if not f.ok)
        words = {"words": message.body} if kind == RecordKind.APOLOGY else {"text": message.body}
        data = {
            **words,
            "channel": Channel.EMAIL,
            "sent_as": sent_as,
            "coach": f"{passed}/{total}" + (f": {reading}" if reading else ""),
            "message": str(message.pk),
        }
    record_add(actor=actor, case=case, kind=kind, data=data, by=message.sent_by or actor.user)


def message_deliver_on_commit(message: Message, *, actor: Actor) -> list[bool]:
    """Deliver ``message`` once the transaction that recorded it commits: at once
    outside a transaction, never if it rolls back (the row is gone with it, or
    ``messages_recover`` finds it still queued). The list holds True once sent."""
    outcome: list[bool] = []

    def deliver() -> None:
        if message_deliver(message, actor=actor):
            outcome.append(True)

    transaction.on_commit(deliver, robust=True)
    return outcome


def messages_recover(*, now: datetime | None = None) -> int:
    """Send again what a dead process left "sending" (same Message-ID), what was
    queued but never handed over (its sender died before its commit hook ran), and
    retry failures; the worker runs this every round. Returns how many went out."""
    now = now or timezone.now()
    stale = Message.objects.filter(state=MessageState.SENDING, claimed_at__lt=now - STALE_CLAIM)
    stale.update(state=MessageState.FAILED, error="The sender stopped before it finished.")
    waiting = Message.objects.filter(
        Q(state=MessageState.FAILED, attempts__lt=5)
        | Q(state=MessageState.QUEUED, created_at__lt=now - STALE_CLAIM)
    )
    sent = 0
    for message in waiting.order_by("pk")[:500]:
        sent += message_deliver(message, actor=Actor.system())
    return sent
