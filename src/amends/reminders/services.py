"""Reminders by email: a daily digest of what is due, late or escalated to each
person, and a mail for every escalation as soon as it is raised.

Both go through ``message_send``, whose unique key makes them exactly once: a
digest per person per day (``digest:{user}:{date}``), a mail per escalation
(``escalation:{id}``), however many workers run and however often."""

import logging
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from amends.comms.models import Message, MessageKind, MessageState
from amends.comms.services import Outgoing, message_send
from amends.core.parts import page_parts
from amends.people.models import User
from amends.recovery.models import Commitment, CommitmentStatus, Escalation
from amends.recovery.selectors import MyWork, my_work
from amends.timeline.models import Notification, NotificationKind
from amends.timeline.services import Actor, Said, said, said_columns

logger = logging.getLogger(__name__)

# Escalations older than this are not mailed: turning the mail on must not send
# a heap of old news. The worker checks every minute, so a new one is never this old.
ESCALATION_MAIL_WINDOW = timedelta(hours=24)
MAX_ATTEMPTS = 5


def digest_hour() -> int:
    return int(settings.AMENDS_DIGEST_HOUR)


def _language(user: User) -> str:
    try:
        return translation.get_supported_language_variant(user.preferred_language or "")
    except LookupError:
        return settings.LANGUAGE_CODE


def _link(path: str) -> str:
    return settings.SITE_URL + path


# -- the daily digest ---------------------------------------------------------------


def digest_key(user: User, day: date) -> str:
    return f"digest:{user.pk}:{day.isoformat()}"


def digest_build(*, user: User, work: MyWork, day: date, updates: Sequence = ()) -> Outgoing:
    with translation.override(_language(user)):
        late = work.late_count
        due = work.due_count
        parts = []
        if late:
            parts.append(ngettext("%(n)d late", "%(n)d late", late) % {"n": late})
        if due:
            parts.append(ngettext("%(n)d due today", "%(n)d due today", due) % {"n": due})
        if work.escalations:
            count = len(work.escalations)
            parts.append(ngettext("%(n)d escalated", "%(n)d escalated", count) % {"n": count})
        if updates:
            count = len(updates)
            parts.append(ngettext("%(n)d update due", "%(n)d updates due", count) % {"n": count})
        subject = _("Your day in Amends: %(summary)s") % {"summary": ", ".join(parts)}
        body = render_to_string(
            "reminders/digest_email.txt",
            {
                "user": user,
                "work": work,
                "updates": updates,
                "day": day,
                "site_url": settings.SITE_URL,
                "my_work_url": _link(reverse("recovery:work")),
            },
        )
    return Outgoing(
        key=digest_key(user, day),
        kind=MessageKind.DIGEST,
        to_email=user.email,
        to_name=user.get_full_name(),
        subject=subject,
        body=body,
        language=_language(user),
    )


def digest_recipients() -> QuerySet[User]:
    """Active people with an email address who might have something today: an
    open case of their own, an open promise, or an escalation."""
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(cases__closed_at__isnull=True)
            | Q(commitments__status=CommitmentStatus.OPEN)
            | Q(escalations__case__closed_at__isnull=True)
        )
        .distinct()
        .order_by("pk")
    )


def digests_send(*, now: datetime | None = None) -> int:
    """Today's digest to everyone who has something in it and has not had it yet.
    Returns how many went out now."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    done = set(
        Message.objects.filter(
            key__startswith="digest:", key__endswith=f":{day.isoformat()}", state=MessageState.SENT
        ).values_list("key", flat=True)
    )
    sent = 0
    for user in digest_recipients():
        if digest_key(user, day) in done:
            continue
        work = my_work(user=user, now=now)
        updates = page_parts("digest", user=user, now=now).get("updates_due", [])
        if work.is_empty and not updates:
            continue
        outgoing = digest_build(user=user, work=work, day=day, updates=updates)
        sent += message_send(actor=Actor.system(), outgoing=outgoing).sent_now
    return sent


def due_today_notify(*, now: datetime | None = None) -> int:
    """The bell's "falls due today": each open promise due today, to its owner, once a
    day, chosen as the digest chooses its "due today" (open, not yet late, the case
    neither closed nor paused). The digest mails them; the bell never mails them again,
    so a promise made after the day's digest went out is in the bell alone. Returns
    how many were added."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = start + timedelta(days=1)
    due = (
        Commitment.objects.filter(
            status=CommitmentStatus.OPEN,
            due_at__gte=now,
            due_at__lt=end,
            case__closed_at__isnull=True,
            case__paused_at__isnull=True,
            owner__is_active=True,
        )
        .select_related("case__account")
        .order_by("due_at", "pk")
    )
    told = set(
        Notification.objects.filter(kind=NotificationKind.DUE_TODAY, at__gte=start).values_list(
            "recipient_id", "path"
        )
    )
    fresh = []
    for promise in due:
        path = reverse("recovery:case", args=[promise.case_id]) + f"#commitment-{promise.pk}"
        if (promise.owner_id, path) in told:
            continue
        told.add((promise.owner_id, path))
        fresh.append(
            Notification(
                recipient_id=promise.owner_id,
                kind=NotificationKind.DUE_TODAY,
                **said_columns(
                    said(
                        gettext_noop("Promised to %(account)s for %(time)s today: %(what)s"),
                        account=promise.case.account.name,
                        time=f"{timezone.localtime(promise.due_at):%H:%M}",
                        what=promise.what,
                    )
                ),
                path=path,
                at=now,
                mailed_at=now,  # never mailed from the bell: the digest lists it
            )
        )
    Notification.objects.bulk_create(fresh)
    return len(fresh)


# -- escalations, at once ---------------------------------------------------------------


def escalation_key(escalation: Escalation) -> str:
    return f"escalation:{escalation.pk}"


def escalation_build(escalation: Escalation) -> Outgoing:
    person = escalation.recipient
    case = escalation.case
    with translation.override(_language(person)):
        subject = _("Escalated to you: %(reason)s (%(account)s)") % {
            "reason": escalation.reason_shown,
            "account": case.account.name,
        }
        body = render_to_string(
            "reminders/escalation_email.txt",
            {
                "escalation": escalation,
                "person": person,
                "case": case,
                "case_url": _link(reverse("recovery:case", args=[case.pk])),
                "my_work_url": _link(reverse("recovery:work")),
            },
        )
    return Outgoing(
        key=escalation_key(escalation),
        kind=MessageKind.ESCALATION,
        to_email=person.email,
        to_name=person.get_full_name(),
        subject=subject,
        body=body,
        language=_language(person),
        case=case,
    )


def escalations_notify(*, now: datetime | None = None) -> int:
    """Mail every recent escalation not mailed yet to its recipient. The worker
    runs this right after ``deadlines_check``; returns how many went out now."""
    now = now or timezone.now()
    recent = list(
        Escalation.objects.filter(
            raised_at__gte=now - ESCALATION_MAIL_WINDOW,
            case__closed_at__isnull=True,
            recipient__is_active=True,
        )
        .exclude(recipient__email="")
        # Done or resolved before the mail went: no longer news.
        .filter(Q(step__isnull=True) | Q(step__done_at__isnull=True))
        .filter(Q(commitment__isnull=True) | Q(commitment__status=CommitmentStatus.OPEN))
        .select_related("case__account", "recipient", "step", "commitment")
        .order_by("raised_at", "pk")
    )
    # Sent, being sent, or given up on: leave those alone. A failed one is tried again.
    settled = set(
        Message.objects.filter(key__in=[escalation_key(e) for e in recent])
        .filter(
            Q(state__in=[MessageState.SENT, MessageState.SENDING]) | Q(attempts__gte=MAX_ATTEMPTS)
        )
        .values_list("key", flat=True)
    )
    sent = 0
    for escalation in recent:
        if escalation_key(escalation) in settled:
            continue
        try:
            result = message_send(actor=Actor.system(), outgoing=escalation_build(escalation))
        except ValidationError:
            # The case closed in the meantime: nothing more is sent from it.
            continue
        if result.sent_now:
            # The bell shows what the mail said; the mail is this one (mailed already).
            Notification.objects.create(
                recipient=escalation.recipient,
                kind=NotificationKind.ESCALATED,
                **said_columns(_escalated(escalation)),
                path=reverse("recovery:case", args=[escalation.case_id]),
                actor_name="system",
                at=now,
                mailed_at=now,
            )
        sent += result.sent_now
    return sent


# -- notifications: what was given to someone, a customer writing in their thread ----

MAILED_KINDS = [NotificationKind.ASSIGNED, NotificationKind.CUSTOMER_WROTE]


def notification_build(notification: Notification) -> Outgoing:
    person = notification.recipient
    with translation.override(_language(person)):
        subject = notification.summary_shown
        body = render_to_string(
            "reminders/notification_email.txt",
            {
                "notification": notification,
                "person": person,
                "url": _link(notification.path),
                "bell_url": _link(reverse("timeline:notifications")),
            },
        )
    return Outgoing(
        key=f"notification:{notification.pk}",
        kind=MessageKind.NOTIFICATION,
        to_email=person.email,
        to_name=person.get_full_name(),
        subject=subject,
        body=body,
        language=_language(person),
    )


def notifications_mail(*, now: datetime | None = None) -> int:
    """Mail each recent notification not mailed yet, once (its key is its id); the
    worker runs this every minute. Returns how many went out now."""
    now = now or timezone.now()
    waiting = (
        Notification.objects.filter(
            mailed_at__isnull=True, at__gte=now - ESCALATION_MAIL_WINDOW, kind__in=MAILED_KINDS
        )
        .select_related("recipient")
        .order_by("at", "pk")[:500]
    )
    sent = 0
    for notification in waiting:
        person = notification.recipient
        if person.is_active and person.email:
            result = message_send(actor=Actor.system(), outgoing=notification_build(notification))
            sent += result.sent_now
            if result.message.state != MessageState.SENT:
                continue  # refused by the mail server: tried again next round
        Notification.objects.filter(pk=notification.pk).update(mailed_at=now)
    return sent


def _escalated(escalation: Escalation) -> Said:
    """What the bell says of an escalation: what is late, and whose."""
    account = escalation.case.account.name
    if escalation.step is not None:
        return said(
            gettext_noop("Late step: %(title)s (%(account)s)"),
            title=escalation.step.title,
            account=account,
        )
    if escalation.commitment is not None:
        return said(
            gettext_noop("Late commitment: %(what)s (%(account)s)"),
            what=escalation.commitment.what,
            account=account,
        )
    return said(gettext_noop("%(reason)s (%(account)s)"), reason=escalation.reason, account=account)
