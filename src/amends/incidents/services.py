"""Declaring incidents: one transaction opens a recovery case for every affected
account, or, if anything is wrong, opens none."""

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from amends.accounts.models import Account
from amends.incidents.models import (
    AffectedAccount,
    CauseCategory,
    Fault,
    Incident,
    IncidentStatus,
    PostMortem,
    Severity,
)
from amends.people.access import WRITE, team_ids_for
from amends.people.models import Team
from amends.timeline.services import Actor

MAX_AFFECTED = 10_000


@dataclass(frozen=True)
class Impact:
    account_id: int
    units: int | None = None
    people: int | None = None
    money: Decimal | None = None
    impact: str = ""


def _tags(tags: Sequence[str] | str) -> list[str]:
    items = tags.split(",") if isinstance(tags, str) else tags
    return sorted(
        {re.sub(r"\s+", "-", str(t).strip().lower())[:40] for t in items if str(t).strip()}
    )


def _affected_accounts(actor: Actor, impacts: list[Impact]) -> dict[int, Account]:
    ids = [i.account_id for i in impacts]
    if len(ids) != len(set(ids)):
        raise ValidationError({"affected": gettext("An account is listed more than once.")})
    if len(ids) > MAX_AFFECTED:
        raise ValidationError(
            {
                "affected": gettext("At most %(max_affected)s accounts per request.")
                % {"max_affected": MAX_AFFECTED}
            }
        )
    accounts = Account.objects.select_related("owner").in_bulk(ids)
    writable = team_ids_for(actor.user, WRITE) if actor.user is not None else None
    hidden = [
        i
        for i in ids
        if i not in accounts or (writable is not None and accounts[i].team_id not in writable)
    ]
    if hidden:
        # The same answer for "missing" and "not yours": an outsider learns nothing.
        listed = ", ".join(map(str, hidden[:20]))
        raise ValidationError(
            {
                "affected": gettext("No account you may change with id(s) %(listed)s.")
                % {"listed": listed}
            }
        )
    return accounts


# The apps above hear of the accounts an incident affects, inside the transaction
# that records them: recovery opens a case for each (registered in its apps.py).
AffectedHook = Callable[..., None]
on_accounts_affected: list[AffectedHook] = []


def _open_cases(
    actor: Actor,
    incident: Incident,
    impacts: list[Impact],
    accounts: dict[int, Account],
    now: datetime,
) -> None:
    AffectedAccount.objects.bulk_create(
        AffectedAccount(
            incident=incident,
            account_id=i.account_id,
            units=i.units,
            people=i.people,
            money=i.money,
            impact=i.impact[:500],
        )
        for i in impacts
    )
    for hook in on_accounts_affected:
        hook(
            actor=actor,
            incident=incident,
            accounts=[accounts[i.account_id] for i in impacts],
            now=now,
        )


@transaction.atomic
def incident_declare(
    *,
    actor: Actor,
    team: Team,
    title: str,
    description: str = "",
    occurred_at: datetime,
    discovered_at: datetime | None = None,
    severity: int = Severity.MODERATE,
    cause: CauseCategory,
    fault: str = Fault.OURS,
    tags: Sequence[str] | str = (),
    affected: list[Impact],
    now: datetime | None = None,
) -> Incident:
    actor.require_write(team.pk, gettext("You may not declare incidents for this team."))
    now = now or timezone.now()
    discovered_at = discovered_at or now
    errors: dict[str, Any] = {}
    if not title.strip():
        errors["title"] = gettext("Say in a few words what went wrong.")
    if discovered_at < occurred_at:
        errors["discovered_at"] = gettext("A mistake is discovered after it happens, not before.")
    if occurred_at > now:
        errors["occurred_at"] = gettext("This is in the future.")
    if not affected:
        errors["affected"] = gettext("Name at least one affected account.")
    if errors:
        raise ValidationError(errors)
    accounts = _affected_accounts(actor, affected)
    incident = Incident(
        team=team,
        title=title.strip(),
        description=description.strip(),
        occurred_at=occurred_at,
        discovered_at=discovered_at,
        severity=severity,
        cause=cause,
        fault=fault,
        tags=_tags(tags),
        declared_by=actor.user,
    )
    incident.full_clean()
    incident.save()
    PostMortem.objects.create(incident=incident, public_key=secrets.token_urlsafe(12))
    _open_cases(actor, incident, affected, accounts, now)
    return incident


@transaction.atomic
def incident_add_accounts(*, actor: Actor, incident: Incident, affected: list[Impact]) -> None:
    actor.require_write(incident.team_id, gettext("You may not change this incident."))
    already = set(incident.affected.values_list("account_id", flat=True))
    repeated = [i.account_id for i in affected if i.account_id in already]
    if repeated:
        raise ValidationError(
            {
                "affected": gettext("Already affected: %(value)s.")
                % {"value": ", ".join(map(str, repeated))}
            }
        )
    accounts = _affected_accounts(actor, affected)
    _open_cases(actor, incident, affected, accounts, timezone.now())


POSTMORTEM_FIELDS = ["what_happened", "how_and_why", "what_was_done", "what_changed"]


@transaction.atomic
def postmortem_update(
    *, actor: Actor, incident: Incident, publish: bool | None = None, **texts: str
) -> PostMortem:
    actor.require_write(incident.team_id, gettext("You may not change this post-mortem."))
    postmortem = PostMortem.objects.select_for_update().get(incident=incident)
    for name, value in texts.items():
        if name not in POSTMORTEM_FIELDS:
            raise TypeError(f"unknown post-mortem field {name}")
        setattr(postmortem, name, value.strip())
    if publish is True and not postmortem.published_at:
        if not (postmortem.what_happened and postmortem.what_changed):
            raise ValidationError(
                {"what_happened": gettext("Say what happened and what changed before publishing.")}
            )
        postmortem.published_at = timezone.now()
    elif publish is False:
        postmortem.published_at = None
    postmortem.save()
    return postmortem


@transaction.atomic
def incident_status_set(*, actor: Actor, incident: Incident, status: str) -> Incident:
    actor.require_write(incident.team_id, gettext("You may not change this incident."))
    if status not in IncidentStatus.values:
        raise ValidationError(
            {
                "status": gettext("must be one of %(value)s")
                % {"value": ", ".join(IncidentStatus.values)}
            }
        )
    Incident.objects.filter(pk=incident.pk).update(status=status)
    incident.status = status
    return incident
