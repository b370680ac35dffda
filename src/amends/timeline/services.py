"""Writing to the timeline. Services in every app call ``event_record`` inside
their own transaction, so a change and its record land together or not at all."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from amends.core.shipped import shipped
from amends.people.access import WRITE, user_can
from amends.timeline.models import Event, Notification, Via, field_label


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


@dataclass(frozen=True)
class Said:
    """What the product writes on the timeline or in a notification, kept so that each
    reader sees it in their own language: an English message marked with
    ``gettext_noop``, with %(name)s place-holders, and their values. The English
    text is stored as well (for the API, search and exports).

    A value that is itself the product's words (a choice's label, a shipped step's
    title) is kept in English and translated when shown, as is every value; a
    person's own words are shown as written, since no catalog has them."""

    message: str
    values: dict[str, Any]

    def english(self) -> str:
        return "".join(_format(part, self.values) for part in self.message.split(PARTS))


# Between the parts of a message said in pieces (each a sentence of its own, marked
# and translated on its own): a clause added when a condition holds.
PARTS = "\x1f"


def _format(message: str, values: dict[str, Any]) -> str:
    if "%(" not in message:
        return message
    return message % {
        name: ", ".join(map(str, value)) if isinstance(value, list) else value
        for name, value in values.items()
    }


def _english(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_english(item) for item in value]
    return str(value) if isinstance(value, Promise) else plain(value)


def _lazy(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return any(map(_lazy, value))
    return isinstance(value, Promise)


def _shown(value: Any) -> Any:
    if isinstance(value, list):
        return [_shown(item) for item in value]
    return shipped(value) if isinstance(value, str) else value


def field_names(model: type[models.Model], fields: list[str]) -> list[str]:
    """The names of ``fields`` of ``model`` as a person reads them, in English (a
    Said translates them when shown)."""
    with translation.override("en"):
        return [field_label(model, name) for name in fields]


def said(*messages: str, **values: Any) -> Said:
    """``messages`` (each marked with gettext_noop, said one after the other) and their
    values, in English: a lazy label is written in English whatever the language of
    the request that made it."""
    if any(map(_lazy, values.values())):
        with translation.override("en"):
            kept = {name: _english(value) for name, value in values.items()}
    else:
        kept = {name: plain(value) for name, value in values.items()}
    return Said(PARTS.join(messages), kept)


def said_columns(summary: str | Said) -> dict[str, Any]:
    """An event's or notification's summary columns: the English text, and the message
    and values a Said keeps to show it in each reader's language (none for a plain
    text, which shows as written)."""
    if isinstance(summary, Said):
        return {
            "summary": summary.english()[:300],
            "said": summary.message,
            "said_values": summary.values,
        }
    return {"summary": summary[:300], "said": None, "said_values": None}


def said_shown(message: str, values: dict[str, Any], english: str) -> str:
    """A stored Said in the active language; the stored English if it cannot be."""
    if not message:
        return english
    shown = {name: _shown(value) for name, value in values.items()}
    try:
        return "".join(_format(gettext(part), shown) for part in message.split(PARTS))
    except (KeyError, TypeError, ValueError):  # a translation that lost a place-holder
        return english


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
    summary: str | Said,
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
        **said_columns(summary),
        before=before or {},
        after=after or {},
    )


def event_record(**kwargs: Any) -> Event:
    event = event_build(**kwargs)
    event.save()
    return event


def notification_send(
    *,
    actor: Actor,
    recipient: Any,
    kind: str,
    summary: str | Said,
    path: str,
    at: datetime | None = None,
) -> Notification | None:
    """Tell ``recipient`` that something is theirs, in the caller's transaction.
    Nobody is told of what they did themselves."""
    if recipient is None or (actor.user is not None and actor.user.pk == recipient.pk):
        return None
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        **said_columns(summary),
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
