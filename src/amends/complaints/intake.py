"""Complaints arriving: one in the customer's own words (the feedback page, the API), or
many at once from the complaint signals an import or a webhook records."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from amends.accounts.models import Account
from amends.complaints.models import Channel, Complaint
from amends.complaints.selectors import (
    account_ids_for_email,
    acknowledge_deadline,
    acknowledge_hours,
)
from amends.complaints.services import TEXT_MAX, _excerpt, _log
from amends.core.bulk import rows_insert, rows_written_send
from amends.people.models import Team
from amends.signals.models import Signal, SignalKind, SignalSource
from amends.timeline.models import Event, Via
from amends.timeline.services import Actor, said, said_columns

NAME_MAX = 200
# Rows per INSERT and per lookup: well under SQLite's limit on bound variables.
CHUNK = 2000


@dataclass(frozen=True)
class Customer(Actor):
    """The customer themselves, writing on the public page: no user, a name."""

    who: str = "customer"
    via: str = Via.WEB

    @property
    def name(self) -> str:
        return self.who[:150]


@transaction.atomic
def complaint_receive(
    *,
    team: Team,
    channel: str,
    text: str,
    customer_name: str = "",
    customer_email: str = "",
    customer_company: str = "",
    via: str = Via.WEB,
    now: datetime | None = None,
) -> Complaint:
    """A complaint in the customer's own words, kept as given. It is linked to
    the account whose contact has the sender's email, when exactly one does."""
    errors = {}
    if not text.strip():
        errors["text"] = gettext("Tell us what happened.")
    elif len(text) > TEXT_MAX:
        errors["text"] = gettext("Please keep it under %(text_max)s characters.") % {
            "text_max": TEXT_MAX
        }
    if len(customer_name) > NAME_MAX:
        errors["name"] = gettext("At most %(name_max)s characters.") % {"name_max": NAME_MAX}
    if len(customer_company) > NAME_MAX:
        errors["company"] = gettext("At most %(name_max)s characters.") % {"name_max": NAME_MAX}
    if customer_email:
        try:
            validate_email(customer_email)
        except ValidationError:
            errors["email"] = gettext("Enter a valid email address.")
    if channel not in Channel.values:
        errors["channel"] = gettext("must be one of %(value)s") % {
            "value": ", ".join(Channel.values)
        }
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    matches = account_ids_for_email(team_id=team.pk, email=customer_email)
    complaint = Complaint.objects.create(
        team=team,
        # Two accounts share the address: a person must choose.
        account_id=matches[0] if len(matches) == 1 else None,
        channel=channel,
        received_at=now,
        acknowledge_by=acknowledge_deadline(now),
        customer_name=customer_name.strip(),
        customer_email=customer_email.strip(),
        customer_company=customer_company.strip(),
        text=text,
    )
    sender = customer_name.strip() or customer_email.strip() or "customer"
    _log(
        Customer(who=sender, via=via),
        complaint,
        "complaint.received",
        said(
            gettext_noop("Complaint received (%(channel)s): %(text)s"),
            channel=Channel(channel).label,
            text=_excerpt(text),
        ),
        after={"channel": channel, "from": sender},
        at=now,
    )
    return complaint


def _channel_for(source: str, webhook_slugs: set[str]) -> str:
    lowered = source.lower()
    if lowered in webhook_slugs or lowered.startswith("webhook"):
        return Channel.WEBHOOK
    if lowered.startswith(("import", "csv")):
        return Channel.IMPORT
    return Channel.API


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _with_pks(signals: list[Signal]) -> list[Signal]:
    """Signals inserted with ignore_conflicts come back without ids: find them."""
    missing = [s for s in signals if s.pk is None]
    if not missing:
        return signals
    by_source: dict[str, list[Signal]] = {}
    for signal in missing:
        by_source.setdefault(signal.source, []).append(signal)
    for source, group in by_source.items():
        for chunk in _chunks(group):
            ids = dict(
                Signal.objects.filter(
                    source=source, external_id__in=[s.external_id for s in chunk]
                ).values_list("external_id", "pk")
            )
            for signal in chunk:
                signal.pk = ids.get(signal.external_id)
    return [s for s in signals if s.pk is not None]


def complaints_from_signals(signals: Iterable[Signal]) -> list[int]:
    """Each newly recorded complaint signal becomes a complaint in the inbox.

    Runs inside the ingesting transaction, for 100,000 rows as for one: a few
    lookups per 2,000 signals and bulk inserts, never a query per signal."""
    wanted = _with_pks([s for s in signals if s.kind == SignalKind.COMPLAINT])
    if not wanted:
        return []
    account_ids = sorted({s.account_id for s in wanted})
    teams: dict[int, int] = {}
    for chunk in _chunks(account_ids):
        teams.update(Account.objects.filter(pk__in=chunk).values_list("pk", "team_id"))
    webhook_slugs = {slug.lower() for slug in SignalSource.objects.values_list("slug", flat=True)}
    delay = timedelta(hours=acknowledge_hours())
    rows = [
        {
            "team_id": teams[signal.account_id],
            "account_id": signal.account_id,
            "signal_id": signal.pk,
            "channel": _channel_for(signal.source, webhook_slugs),
            "received_at": signal.at,
            "acknowledge_by": signal.at + delay,
            "text": signal.text,
        }
        for signal in wanted
        if signal.account_id in teams
    ]
    # Plain rows rather than model instances: one import may bring 100,000 of them.
    rows_insert(Complaint, rows)
    ids: dict[int, int] = {}
    for chunk in _chunks([row["signal_id"] for row in rows]):
        ids.update(Complaint.objects.filter(signal_id__in=chunk).values_list("signal_id", "pk"))
    received = gettext_noop("Complaint received (%(channel)s): %(text)s")
    subject_type = Complaint._meta.label_lower
    rows_insert(
        Event,
        (
            {
                "account_id": row["account_id"],
                "at": row["received_at"],
                "actor_name": Actor.system().name,
                "via": Via.SYSTEM,
                "action": "complaint.received",
                "subject_type": subject_type,
                "subject_id": ids[row["signal_id"]],
                **said_columns(
                    said(
                        received, channel=Channel(row["channel"]).label, text=_excerpt(row["text"])
                    )
                ),
                "after": {"channel": row["channel"]},
            }
            for row in rows
        ),
    )
    made = [ids[row["signal_id"]] for row in rows]
    rows_written_send(Complaint, made)
    return made
