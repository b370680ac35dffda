"""Writing to the timeline. Services in every app call ``event_record`` inside
their own transaction, so a change and its record land together or not at all."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from amends.people.access import WRITE, user_can
from amends.timeline.models import Event, Notification, Via


@dataclass(frozen=True)
class Actor:
    """Who is making a change, and through which door."""

    user: Any = None
    via: str = Via.SYSTEM

    @property
    def name(self) -> str:
        if self.user is not None:
            return str(self.user.get_username())
        return "system"

    @classmethod
    def system(cls) -> "Actor":
        return cls(user=None, via=Via.SYSTEM)

    @classmethod
    def web(cls, request: HttpRequest) -> "Actor":
        return cls(user=request.user, via=Via.WEB)

    @classmethod
    def api(cls, request: HttpRequest) -> "Actor":
        return cls(user=request.user, via=Via.API)

    def require_write(self, team_id: int, refusal: str) -> None:
        """The one write guard of every service: a person who may not change the
        team's things is refused with ``refusal``; the system may change anything."""
        if self.user is not None and not user_can(self.user, WRITE, team_id):
            raise PermissionDenied(refusal)


def plain(value: Any) -> Any:
    """A JSON-safe copy of a field value for before/after."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: plain(getattr(obj, name)) for name in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    changed = [key for key in after if before.get(key) != after.get(key)]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def event_build(
    *,
    actor: Actor,
    action: str,
    subject: models.Model,
    summary: str,
    account_id: int | None,
    before: dict | None = None,
    after: dict | None = None,
    at: datetime | None = None,
) -> Event:
    return Event(
        account_id=account_id,
        at=at or timezone.now(),
        actor=actor.user,
        actor_name=actor.name,
        via=actor.via,
        action=action,
        subject_type=subject._meta.label_lower,
        subject_id=subject.pk,
        summary=summary[:300],
        before=before or {},
        after=after or {},
    )


def event_record(**kwargs: Any) -> Event:
    event = event_build(**kwargs)
    event.save()
    return event


def notification_send(
    *, actor: Actor, recipient: Any, kind: str, summary: str, path: str, at: datetime | None = None
) -> Notification | None:
    """Tell ``recipient`` that something is theirs, in the caller's transaction.
    Nobody is told of what they did themselves."""
    if recipient is None or (actor.user is not None and actor.user.pk == recipient.pk):
        return None
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        summary=summary[:300],
        path=path[:300],
        actor_name=actor.name,
        at=at or timezone.now(),
    )


def notifications_mark_read(*, user: Any, notification_id: int | None = None) -> int:
    """Mark one of ``user``'s notifications read, or all of them; how many changed."""
    unread = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
