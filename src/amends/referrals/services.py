"""Writes to referrals. Each service runs in one transaction: the referral, its
"referral" signal on the referrer (which the health rules read: a promoter who
has referred someone is loyal), and the timeline of both accounts."""

from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from amends.accounts.models import Account
from amends.referrals.models import NAME_MAX, NOTE_MAX, Referral
from amends.referrals.selectors import account_is_former_client
from amends.signals.models import Signal, SignalKind
from amends.timeline.services import Actor, event_record, said

SIGNAL_SOURCE = "amends"


def _signal_at(referred_on: date, now: datetime) -> datetime:
    # Today's referral is stamped now; an older one at the start of its day. Never
    # later than now: the health rules wait for signals stamped in the future.
    if referred_on >= timezone.localdate(now):
        return now
    return timezone.make_aware(datetime.combine(referred_on, time.min))


def _checked(
    *,
    referrer: Account,
    referred_account: Account | None,
    referred_name: str,
    referred_contact_email: str,
    referred_on: date,
    note: str,
    today: date,
) -> None:
    errors: dict[str, str] = {}
    if referred_account is not None:
        if referred_account.pk == referrer.pk:
            errors["referred_account"] = gettext("An account cannot refer itself.")
        elif referred_account.team_id != referrer.team_id:
            errors["referred_account"] = gettext(
                "%(name)s is not in the referrer's team (%(name2)s): both must be in the same team."
            ) % {"name": referred_account.name, "name2": referrer.team.name}
        elif Referral.objects.filter(referrer=referrer, referred_account=referred_account).exists():
            errors["referred_account"] = gettext("%(name)s has already referred %(name2)s.") % {
                "name": referrer.name,
                "name2": referred_account.name,
            }
    elif not referred_name:
        errors["referred_name"] = gettext("Name the company referred, or choose its account.")
    elif Referral.objects.filter(
        referrer=referrer, referred_account__isnull=True, referred_name__iexact=referred_name
    ).exists():
        errors["referred_name"] = gettext("%(name)s has already referred %(referred_name)s.") % {
            "name": referrer.name,
            "referred_name": referred_name,
        }
    if len(referred_name) > NAME_MAX:
        errors["referred_name"] = gettext("At most %(name_max)s characters.") % {
            "name_max": NAME_MAX
        }
    if referred_contact_email:
        try:
            validate_email(referred_contact_email)
        except ValidationError:
            errors["referred_contact_email"] = gettext("Enter a valid email address.")
    if referred_on > today:
        errors["referred_on"] = gettext("A referral cannot be dated in the future.")
    if len(note) > NOTE_MAX:
        errors["note"] = gettext("Keep the note under %(note_max)s characters.") % {
            "note_max": NOTE_MAX
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def referral_record(
    *,
    actor: Actor,
    referrer: Account,
    referred_account: Account | None = None,
    referred_name: str = "",
    referred_contact_name: str = "",
    referred_contact_email: str = "",
    referred_on: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Referral:
    """Record that ``referrer`` referred a company: an account of the same team, or
    one known only by its name. Whether the referrer is a former client is decided
    now and kept with the referral."""
    actor.require_write(
        referrer.team_id, gettext("You may look at this account but not change it.")
    )
    now = now or timezone.now()
    referred_on = referred_on or timezone.localdate(now)
    referred_name = referred_name.strip()
    if referred_account is not None and not referred_name:
        referred_name = referred_account.name
    contact_name = referred_contact_name.strip()
    if len(contact_name) > NAME_MAX:
        raise ValidationError(
            {
                "referred_contact_name": gettext("At most %(name_max)s characters.")
                % {"name_max": NAME_MAX}
            }
        )
    _checked(
        referrer=referrer,
        referred_account=referred_account,
        referred_name=referred_name,
        referred_contact_email=referred_contact_email.strip(),
        referred_on=referred_on,
        note=note.strip(),
        today=timezone.localdate(now),
    )
    former = account_is_former_client(account=referrer, now=now)
    referral = Referral(
        team_id=referrer.team_id,
        referrer=referrer,
        referred_account=referred_account,
        referred_name=referred_name,
        referred_contact_name=contact_name,
        referred_contact_email=referred_contact_email.strip(),
        referred_on=referred_on,
        note=note.strip(),
        from_former_client=former,
        recorded_by=actor.user,
        created_at=now,
    )
    try:
        with transaction.atomic():
            referral.save()
    except IntegrityError:
        # Another request recorded the same pair between the check and the insert.
        raise ValidationError(
            {
                "referred_account": gettext("%(name)s has already referred %(referred_name)s.")
                % {"name": referrer.name, "referred_name": referred_name}
            }
        ) from None
    Signal.objects.get_or_create(
        source=SIGNAL_SOURCE,
        external_id=referral.signal_external_id,
        defaults={
            "account": referrer,
            "kind": SignalKind.REFERRAL,
            "at": _signal_at(referred_on, now),
            "text": f"Referred {referred_name}",
            "created_at": now,
        },
    )
    after = {
        "referrer": referrer.name,
        "referred": referred_name,
        "referred_on": referred_on.isoformat(),
        "from_former_client": former,
    }
    event_record(
        actor=actor,
        action="referral.recorded",
        subject=referral,
        account_id=referrer.pk,
        summary=said(
            gettext_noop("Referred %(name)s"),
            *([gettext_noop(" (as a former client)")] if former else []),
            name=referred_name,
        ),
        after=after,
        at=now,
    )
    if referred_account is not None:
        event_record(
            actor=actor,
            action="referral.received",
            subject=referral,
            account_id=referred_account.pk,
            summary=said(
                gettext_noop("Referred by %(name)s"),
                *([gettext_noop(", a former client")] if former else []),
                name=referrer.name,
            ),
            after=after,
            at=now,
        )
    return referral


@transaction.atomic
def referral_delete(*, actor: Actor, referral: Referral, now: datetime | None = None) -> None:
    """Remove a referral recorded by mistake, and its signal. Removing one that is
    already gone does nothing."""
    actor.require_write(
        referral.team_id, gettext("You may look at this referral but not change it.")
    )
    now = now or timezone.now()
    Signal.objects.filter(source=SIGNAL_SOURCE, external_id=referral.signal_external_id).delete()
    deleted, _ = Referral.objects.filter(pk=referral.pk).delete()
    if not deleted:
        return
    before = {
        "referrer": referral.referrer.name,
        "referred": referral.referred_name,
        "referred_on": referral.referred_on.isoformat(),
        "from_former_client": referral.from_former_client,
    }
    for account_id, summary in [
        (
            referral.referrer_id,
            said(gettext_noop("Referral of %(name)s removed"), name=referral.referred_name),
        ),
        (
            referral.referred_account_id,
            said(gettext_noop("Referral by %(name)s removed"), name=referral.referrer.name),
        ),
    ]:
        if account_id is not None:
            event_record(
                actor=actor,
                action="referral.deleted",
                subject=referral,
                account_id=account_id,
                summary=summary,
                before=before,
                at=now,
            )
