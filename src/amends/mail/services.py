"""Mail in and out. Every way in (a mail server's pipe, an IMAP poll, the API)
calls ``mail_receive``: the same checks, the same thread, stored once. Answers go out
through the delivery log (comms), threaded with the customer's mail."""

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from amends.accounts.models import Contact
from amends.comms.models import Message, MessageKind
from amends.comms.services import Outgoing, message_send
from amends.complaints.intake import complaint_receive
from amends.complaints.models import Channel, Complaint
from amends.complaints.services import TEXT_MAX, _excerpt, complaint_answer
from amends.mail.models import Attachment, Direction, Mail, Mailbox, MailKind
from amends.mail.parse import Parsed, Refused, parse
from amends.mail.tokens import conversation_in_subject, reply_address, subject_tag, threads_in
from amends.mail.vault import secret_seal
from amends.notices.models import NoticeRecipient
from amends.people.access import WRITE, user_can, user_manages_team
from amends.people.models import Team
from amends.recovery.models import RecoveryCase
from amends.timeline.models import NotificationKind, Via
from amends.timeline.services import Actor, event_record, notification_send, said

log = logging.getLogger(__name__)

__all__ = ["Received", "Refused", "conversation_answer", "mail_receive"]


@dataclass(frozen=True)
class Received:
    outcome: str  # "new", "reply", "auto", "list", "bounce" or "duplicate"
    mail: Mail
    complaint: Complaint | None = None
    case: RecoveryCase | None = None


@dataclass(frozen=True)
class Sender(Actor):
    """The customer, writing by mail."""

    who: str = "customer"
    via: str = Via.EMAIL

    @property
    def name(self) -> str:
        return self.who[:150]


def _limits() -> tuple[int, int]:
    megabyte = 1024 * 1024
    return (
        settings.AMENDS_MAIL_MAX_MESSAGE_MB * megabyte,
        settings.AMENDS_MAIL_MAX_FILE_MB * megabyte,
    )


def mail_receive(*, team: Team, raw: bytes, now: datetime | None = None) -> Received:
    """Store one mail for ``team``, in its thread or as a new conversation.
    Raises ``Refused`` (with the reason) for mail it will not take; a database
    that is not there raises its own error, which callers treat as "try later"."""
    max_message, _max_file = _limits()
    parsed = parse(raw, max_bytes=max_message)
    now = now or timezone.now()
    existing = Mail.objects.filter(team=team, message_id=parsed.message_id).first()
    if existing is not None:
        return Received("duplicate", existing, existing.complaint, existing.case)
    try:
        with transaction.atomic():
            return _store(team, parsed, now)
    except IntegrityError:
        # Another process stored the same mail between our look and our write.
        existing = Mail.objects.filter(team=team, message_id=parsed.message_id).first()
        if existing is None:
            raise
        return Received("duplicate", existing, existing.complaint, existing.case)


def _sender(team: Team, parsed: Parsed) -> tuple[Contact | None, int | None]:
    contacts = list(
        Contact.objects.filter(account__team=team, email__iexact=parsed.from_email)
        .only("pk", "account_id")
        .order_by("pk")[:5]
    )
    if len(contacts) == 1:
        return contacts[0], contacts[0].account_id
    if contacts:
        parsed.notes.append(
            f"sender: {len(contacts)} contacts have the address {parsed.from_email}; "
            "none was chosen as the sender"
        )
    return None, None


def _thread(team: Team, parsed: Parsed) -> tuple[Complaint | None, RecoveryCase | None, str]:
    """The conversation and the case this mail answers, and how it was found.
    Only ever inside ``team``: a forged reference to another team's mail finds nothing."""
    named = [*parsed.in_reply_to, *reversed(parsed.references)]
    if named:
        earlier = (
            Mail.objects.filter(team=team, message_id__in=named)
            .select_related("complaint", "case")
            .order_by("-at", "-id")
            .first()
        )
        if earlier is not None and (earlier.complaint_id or earlier.case_id):
            return earlier.complaint, earlier.case, "references"
        sent = (
            Message.objects.filter(message_id__in=[f"<{item}>" for item in named])
            .filter(Q(case__team=team) | Q(account__team=team))
            .select_related("case")
            .order_by("-created_at")
            .first()
        )
        if sent is not None and sent.case is not None:
            return _conversation_of_case(sent.case), sent.case, "references"
    for kind, number in threads_in(parsed.to):
        if kind == "c":
            found = Complaint.objects.filter(team=team, pk=number).select_related("case").first()
            if found is not None:
                return found, found.case, "reply address"
        else:
            case = RecoveryCase.objects.filter(team=team, pk=number).first()
            if case is not None:
                return _conversation_of_case(case), case, "reply address"
    tagged = conversation_in_subject(parsed.subject)
    if tagged is not None:
        found = Complaint.objects.filter(team=team, pk=tagged).select_related("case").first()
        if found is not None:
            return found, found.case, "subject"
    return None, None, ""


def _conversation_of_case(case: RecoveryCase) -> Complaint | None:
    # A case opened from an inbox conversation keeps that conversation as its thread.
    return Complaint.objects.filter(case=case).order_by("received_at", "pk").first()


def _store(team: Team, parsed: Parsed, now: datetime) -> Received:
    contact, account_id = _sender(team, parsed)
    complaint, case, found_by = _thread(team, parsed)
    at = now
    mail = Mail(
        team=team,
        direction=Direction.IN,
        kind=parsed.kind,
        complaint=complaint,
        case=case,
        account_id=account_id
        or (complaint.account_id if complaint else None)
        or (case.account_id if case else None),
        contact=contact,
        message_id=parsed.message_id,
        in_reply_to=(parsed.in_reply_to or [""])[0][:255],
        references=" ".join(parsed.references)[:5000],
        from_email=parsed.from_email,
        from_name=parsed.from_name,
        to=", ".join(parsed.to)[:2000],
        subject=parsed.subject,
        text=parsed.text,
        quoted=parsed.quoted,
        html=parsed.html,
        at=at,
        size=parsed.size,
    )
    if parsed.kind == MailKind.BOUNCE:
        mail.save()
        _bounce_record(team, parsed, mail, now)
        return _finish(mail, parsed, "bounce")
    if parsed.kind != MailKind.MESSAGE:
        # An automatic answer or list mail: kept (in its thread when it has one, so an
        # out-of-office shows where the team will look), never a new conversation.
        mail.save()
        return _finish(mail, parsed, parsed.kind)
    outcome = "reply"
    if complaint is None and case is None:
        complaint = _conversation_open(team, parsed, contact, account_id, now)
        mail.complaint, outcome = complaint, "new"
    else:
        parsed.notes.append(f"thread: found by {found_by}")
    mail.save()
    if outcome == "reply":
        _reply_record(mail, complaint, case, now)
    _acknowledge_on_commit(team, mail, parsed)
    return _finish(mail, parsed, outcome)


def _finish(mail: Mail, parsed: Parsed, outcome: str) -> Received:
    _, max_file = _limits()
    files = []
    for part in parsed.parts:
        if len(part.data) > max_file:
            parsed.notes.append(
                f"size: the file {part.filename} ({len(part.data):,} bytes) is over the "
                f"limit of {max_file:,} bytes per file and was not kept"
            )
            continue
        files.append(
            Attachment(
                mail=mail,
                filename=part.filename[:200],
                content_type=part.content_type[:100],
                size=len(part.data),
                content_id=part.content_id[:200],
                inline=part.inline,
                data=part.data,
            )
        )
    Attachment.objects.bulk_create(files)
    if parsed.notes:
        mail.notes = "\n".join(parsed.notes)
        mail.save(update_fields=["notes"])
        log.info("mail %s for team %s: %s", mail.message_id, mail.team_id, "; ".join(parsed.notes))
    return Received(outcome, mail, mail.complaint, mail.case)


def _conversation_open(
    team: Team, parsed: Parsed, contact: Contact | None, account_id: int | None, now: datetime
) -> Complaint:
    email = parsed.from_email
    try:
        validate_email(email)
    except ValidationError:
        parsed.notes.append(f"sender: {email!r} is not an address we can answer")
        email = ""
    words = parsed.text or parsed.subject or _("(The mail has no text.)")
    if len(words) > TEXT_MAX:
        words = words[: TEXT_MAX - 1] + "…"
    complaint = complaint_receive(
        team=team,
        channel=Channel.EMAIL,
        text=words,
        customer_name=parsed.from_name[:200],
        customer_email=email,
        via=Via.EMAIL,
        now=now,
    )
    fields = ["subject"]
    complaint.subject = parsed.subject
    if account_id and complaint.account_id is None:
        complaint.account_id = account_id
        fields.append("account")
    complaint.save(update_fields=fields)
    return complaint


def _reply_record(
    mail: Mail, complaint: Complaint | None, case: RecoveryCase | None, now: datetime
) -> None:
    sender = Sender(who=mail.from_name or mail.from_email)
    account_id = mail.account_id
    if complaint is not None and complaint.resolved_at is not None:
        # They wrote again: the conversation needs a person again.
        Complaint.objects.filter(pk=complaint.pk).update(resolved_at=None)
        complaint.resolved_at = None
    # Whoever answers the thread hears of it: the conversation's assignee, else the case's owner.
    wrote = said(
        gettext_noop("%(who)s wrote: %(text)s"),
        who=mail.from_name or mail.from_email,
        text=_excerpt(mail.subject or mail.text),
    )
    if complaint is not None and complaint.assignee_id:
        recipient, path = complaint.assignee, reverse("complaints:complaint", args=[complaint.pk])
    elif case is not None and case.owner_id:
        recipient, path = case.owner, reverse("recovery:case", args=[case.pk])
    else:
        recipient, path = None, ""
    notification_send(
        actor=sender,
        recipient=recipient,
        kind=NotificationKind.CUSTOMER_WROTE,
        summary=wrote,
        path=path,
        at=now,
    )
    if account_id is None and complaint is None and case is None:
        return
    event_record(
        actor=sender,
        action="mail.received",
        subject=complaint or case,
        account_id=account_id,
        summary=said(
            gettext_noop("Mail from %(sender)s: %(text)s"),
            sender=mail.from_email,
            text=_excerpt(mail.subject or mail.text),
        ),
        after={"from": mail.from_email, "subject": mail.subject, "text": _excerpt(mail.text, 300)},
        at=now,
    )


def _bounce_record(team: Team, parsed: Parsed, mail: Mail, now: datetime) -> None:
    if not parsed.bounced:
        parsed.notes.append("bounce: the report names no failed address")
        return
    marked = Contact.objects.filter(
        account__team=team, email__iexact=parsed.bounced, bouncing_since__isnull=True
    ).update(bouncing_since=now)
    notices = 0
    if parsed.bounced_message_id:
        notices = NoticeRecipient.objects.filter(
            run__incident__team=team,
            message_id=f"<{parsed.bounced_message_id}>",
            bounced_at__isnull=True,
        ).update(bounced_at=now)
    parsed.notes.append(
        f"bounce: {parsed.bounced} failed; "
        f"{marked} contact(s) and {notices} notice letter(s) marked"
    )


# -- acknowledging --------------------------------------------------------------


def _acknowledge_on_commit(team: Team, mail: Mail, parsed: Parsed) -> None:
    mailbox = Mailbox.objects.filter(team=team, acknowledge=True).first()
    complaint = mail.complaint
    if mailbox is None or complaint is None or not complaint.customer_email:
        return
    day = timezone.localdate()
    outgoing = Outgoing(
        # One a day per conversation at most: the key makes a second one a no-op,
        # which is what stops two mail robots answering each other for ever.
        key=f"mail:ack:c{complaint.pk}:{day.isoformat()}",
        kind=MessageKind.ACKNOWLEDGEMENT,
        to_email=complaint.customer_email,
        to_name=complaint.customer_name,
        subject=_acknowledgement_subject(complaint),
        body=_acknowledgement_body(complaint),
        account=complaint.account,
        headers=_thread_headers(mailbox, complaint, mail),
    )

    def send() -> None:
        try:
            message_send(actor=Actor.system(), outgoing=outgoing)
        except Exception:
            log.exception("acknowledgement for conversation %s not sent", complaint.pk)

    transaction.on_commit(send)


def _language_of(complaint: Complaint) -> str:
    contact = (
        Contact.objects.filter(
            account_id=complaint.account_id, email__iexact=complaint.customer_email
        )
        .exclude(language="")
        .first()
        if complaint.account_id
        else None
    )
    return (contact.language if contact else "") or settings.LANGUAGE_CODE


def _acknowledgement_subject(complaint: Complaint) -> str:
    with translation.override(_language_of(complaint)):
        words = f"{_('We have your message')}: {complaint.subject or ''}"
        return f"{words} {subject_tag(complaint.pk)}".strip()


def _acknowledgement_body(complaint: Complaint) -> str:
    with translation.override(_language_of(complaint)):
        return _(
            "Thank you for writing to us. Your message has reached our team, and a person "
            "will answer you. If you have more to tell us, simply reply to this mail."
        )


# -- answering --------------------------------------------------------------------


def _thread_headers(
    mailbox: Mailbox | None, complaint: Complaint, last: Mail | None
) -> dict[str, str]:
    headers: dict[str, str] = {}
    if mailbox is not None:
        headers["From"] = mailbox.address
        headers["Reply-To"] = reply_address(mailbox.address, "c", complaint.pk)
    if last is not None and not last.message_id.startswith("sha256:"):
        chain = [*last.references.split(), last.message_id][-20:]
        headers["In-Reply-To"] = f"<{last.message_id}>"
        headers["References"] = " ".join(f"<{item}>" for item in chain)
    return headers


def reply_headers_for_case(outgoing: Outgoing) -> dict[str, str]:
    """From and Reply-To for a case message of a team with a mailbox."""
    case = outgoing.case
    if case is None or outgoing.kind in (MessageKind.ANSWER, MessageKind.ACKNOWLEDGEMENT):
        return {}
    mailbox = Mailbox.objects.filter(team_id=case.team_id).first()
    if mailbox is None:
        return {}
    return {"From": mailbox.address, "Reply-To": reply_address(mailbox.address, "k", case.pk)}


@transaction.atomic
def conversation_answer(
    *, actor: Actor, complaint: Complaint, text: str, draft: str = "", now: datetime | None = None
) -> Mail:
    """Answer the customer by mail, in the thread. ``draft`` names this answer (the
    form carries it): the same draft sent twice goes out once."""
    if actor.user is not None and not user_can(actor.user, WRITE, complaint.team_id):
        raise PermissionDenied(gettext("You may look at this conversation but not answer it."))
    text = text.strip()
    if not text:
        raise ValidationError({"text": gettext("Write the answer.")})
    if len(text) > TEXT_MAX:
        raise ValidationError(
            {
                "text": gettext("Keep the answer under %(text_max)s characters.")
                % {"text_max": TEXT_MAX}
            }
        )
    if not complaint.customer_email:
        raise ValidationError(
            {
                "text": gettext(
                    "This conversation has no address to answer: record the answer instead."
                )
            }
        )
    draft = draft or uuid.uuid4().hex
    if not draft.isalnum() or len(draft) > 40:
        raise ValidationError({"draft": gettext("Not a draft of this form.")})
    now = now or timezone.now()
    mailbox = Mailbox.objects.filter(team_id=complaint.team_id).first()
    last = (
        Mail.objects.filter(complaint=complaint, direction=Direction.IN, kind=MailKind.MESSAGE)
        .order_by("-at", "-id")
        .first()
    )
    subject = complaint.subject or _excerpt(complaint.text, 60)
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    if subject_tag(complaint.pk) not in subject:
        subject = f"{subject} {subject_tag(complaint.pk)}"
    result = message_send(
        actor=actor,
        outgoing=Outgoing(
            key=f"mail:answer:c{complaint.pk}:{draft}",
            kind=MessageKind.ANSWER,
            to_email=complaint.customer_email,
            to_name=complaint.customer_name,
            subject=subject,
            body=text,
            account=complaint.account,
            headers=_thread_headers(mailbox, complaint, last),
        ),
    )
    message = result.message
    mail, made = Mail.objects.get_or_create(
        outgoing=message,
        defaults={
            "team_id": complaint.team_id,
            "direction": Direction.OUT,
            "complaint": complaint,
            "case": complaint.case,
            "account": complaint.account,
            "message_id": message.message_id.strip("<>"),
            "in_reply_to": last.message_id if last else "",
            "from_email": mailbox.address if mailbox else settings.DEFAULT_FROM_EMAIL,
            "to": complaint.customer_email,
            "subject": message.subject,
            "text": message.body,
            "at": now,
        },
    )
    if made:
        complaint_answer(actor=actor, complaint=complaint, answer=text, now=now)
    return mail


# -- mailboxes --------------------------------------------------------------------


def mailbox_save(
    *, actor: Actor, team: Team, password: str | None = None, **fields: object
) -> Mailbox:
    """Create or change a team's mailbox. ``password`` None keeps the stored one;
    "" removes it."""
    if actor.user is not None and not user_manages_team(actor.user, team.pk):
        raise PermissionDenied(gettext("Only the team's managers may change its mailbox."))
    mailbox = Mailbox.objects.filter(team=team).first() or Mailbox(team=team)
    before = {"address": mailbox.address, "imap_host": mailbox.imap_host}
    for name, value in fields.items():
        setattr(mailbox, name, value)
    if password is not None:
        mailbox.imap_password = secret_seal(password)
    mailbox.full_clean(exclude=["team"])
    mailbox.poll_error = ""
    mailbox.save()
    event_record(
        actor=actor,
        action="mailbox.saved",
        subject=mailbox,
        account_id=None,
        summary=said(
            gettext_noop("Mailbox of %(team)s: %(address)s"),
            team=team.name,
            address=mailbox.address,
        ),
        before=before,
        after={"address": mailbox.address, "imap_host": mailbox.imap_host},
    )
    return mailbox


def poll_claim(*, mailbox: Mailbox, now: datetime, hold: timedelta) -> bool:
    """Take the mailbox for one poll; False when another worker holds it."""
    taken = (
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + hold)
    )
    return taken == 1


def poll_release(*, mailbox: Mailbox, now: datetime, error: str = "", count: int = 0) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(
        claimed_until=None, polled_at=now, poll_error=error[:500], poll_count=count
    )
