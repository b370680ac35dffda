from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Via(models.TextChoices):
    WEB = "web", _("web")
    API = "api", _("API")
    CLI = "cli", _("command line")
    SYSTEM = "system", _("system")
    EMAIL = "email", _("email")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("timeline events are append-only")

    def delete(self):
        raise TypeError("timeline events are append-only")


class ShownSummary:
    """An event's or a notification's summary in the reader's language (services.Said);
    one written before there was a Said shows as written."""

    summary: str
    said: str | None
    said_values: dict | None

    @property
    def summary_shown(self) -> str:
        from amends.timeline.services import said_shown

        return said_shown(self.said or "", self.said_values or {}, self.summary)


class Event(ShownSummary, models.Model):
    """One change, as it happened: who, when, through what, and the values
    before and after. Rows are never updated or deleted."""

    account = models.ForeignKey(
        "accounts.Account",
        # History outlives nothing it describes: an account with events can't be deleted.
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
    )
    at = models.DateTimeField(_("when"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("who"), max_length=150)
    via = models.CharField(_("via"), max_length=16, choices=Via.choices)
    action = models.CharField(_("what"), max_length=64)
    subject_type = models.CharField(max_length=64)
    subject_id = models.BigIntegerField(null=True, blank=True)
    summary = models.CharField(max_length=300)
    # The summary's message and values, to show it in the reader's language (see
    # services.Said); null on events written before there was one: shown as written.
    # Nullable so that adding them is an ALTER TABLE, not a copy of the whole history.
    said = models.CharField(max_length=300, null=True, blank=True)  # noqa: DJ001
    said_values = models.JSONField(null=True, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["account", "-at", "-id"], name="event_account_newest")]
        verbose_name = _("timeline event")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}: {self.summary}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Append-only is an invariant of the record, not business logic: guard it here.
        if self.pk is not None:
            raise TypeError("timeline events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("timeline events are append-only")

    def changes(self) -> list[tuple[str, object, object]]:
        """Each value the event changed, as a person reads it: the field's name and
        its values in the reader's language (yes and no, a choice's label)."""
        keys = list(dict.fromkeys([*self.before.keys(), *self.after.keys()]))
        try:
            model = apps.get_model(self.subject_type)
        except (LookupError, ValueError):
            model = None
        return [
            (
                change_label(model, key),
                change_value(model, key, self.before.get(key)),
                change_value(model, key, self.after.get(key)),
            )
            for key in keys
        ]


# What an event's changes name that is not a field of its subject.
CHANGE_LABELS = {
    "by_record": _("completed by its record"),
    "step": _("step"),
    "playbook": _("playbook"),
    "severity": _("severity"),
    "last_chance": _("last chance"),
    "owner": _("owner"),
    "assignee": _("assignee"),
    "account": _("account"),
    "case": _("case"),
    "incident": _("incident"),
    "team": _("team"),
    "share_id": _("customer page"),
    "acknowledged_at": _("acknowledged"),
    "active": _("active"),
    "address": _("address"),
    "agreed": _("agreed"),
    "answer": _("answer"),
    "body": _("body"),
    "by": _("by"),
    "channel": _("channel"),
    "commitment": _("commitment"),
    "confirmed_despite_skipped": _("confirmed despite skipped steps"),
    "due_at": _("due"),
    "end_on": _("service ends on"),
    "flag": _("flag"),
    "from": _("from"),
    "from_former_client": _("from a former client"),
    "imap_host": _("IMAP server"),
    "kind": _("kind"),
    "late": _("late"),
    "lifecycle": _("lifecycle state"),
    "name": _("name"),
    "protected": _("staff protected"),
    "rating": _("rating"),
    "reason": _("reason"),
    "recipients": _("recipients"),
    "referred": _("referred"),
    "referred_on": _("referred on"),
    "referrer": _("referred by"),
    "satisfaction": _("satisfaction"),
    "slug": _("slug"),
    "staff": _("staff"),
    "status": _("status"),
    "subject": _("subject"),
    "text": _("text"),
    "to": _("to"),
    "users": _("people"),
    "what": _("what"),
    "would_recommend": _("would recommend"),
    "with_whom": _("with whom"),
    "participants": _("participants"),
    "words": _("words"),
    "note": _("note"),
    "sent_as": _("sent as"),
    "coach": _("coach"),
    "message": _("message"),
    "how_customer_is_told": _("how the customer is told"),
    "gift_kind": _("kind of gift"),
    "description": _("description"),
    "cost": _("cost"),
    "summary": _("summary"),
    "request": _("request"),
    "decision": _("decision"),
    "answers": _("answers"),
}


def _field(model: Any, key: str) -> Any:
    if model is None:
        return None
    for name in (key, key.removesuffix("_id")):
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def field_label(model: Any, key: str) -> str:
    """The name a person reads for ``key`` of ``model``: its field's verbose name."""
    name = getattr(_field(model, key), "verbose_name", None)
    return str(name) if name else key.replace("_", " ")


def change_label(model: Any, key: str) -> str:
    if key in CHANGE_LABELS:
        return str(CHANGE_LABELS[key])
    return field_label(model, key)


def change_value(model: Any, key: str, value: object) -> object:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    field = _field(model, key)
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    if isinstance(value, str | int) and value in choices:
        return str(choices[value])
    return value


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Given to you")
    CUSTOMER_WROTE = "customer_wrote", _("The customer wrote")
    ESCALATED = "escalated", _("Escalated to you")
    DUE_TODAY = "due_today", _("Falls due today")


class Notification(ShownSummary, models.Model):
    """What happened to one person: something given to them, a customer's reply in
    their thread. The bell shows it; the worker mails it once (reminders)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    summary = models.CharField(max_length=300)
    said = models.CharField(max_length=300, null=True, blank=True)  # noqa: DJ001 - as on Event
    said_values = models.JSONField(null=True, blank=True)
    path = models.CharField(max_length=300)  # where to look: a page of the app
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            # The bell's count and list: one person's, newest first.
            models.Index(fields=["recipient", "read_at", "-at"], name="notification_inbox"),
            # The worker's mail round: the few not yet mailed.
            models.Index(
                fields=["at"],
                condition=models.Q(mailed_at__isnull=True),
                name="notification_unmailed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.summary}"
