from typing import Any

from django.conf import settings
from django.db import models
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


class Event(models.Model):
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
        keys = list(dict.fromkeys([*self.before.keys(), *self.after.keys()]))
        return [(key, self.before.get(key), self.after.get(key)) for key in keys]


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Given to you")
    CUSTOMER_WROTE = "customer_wrote", _("The customer wrote")
    ESCALATED = "escalated", _("Escalated to you")
    DUE_TODAY = "due_today", _("Falls due today")


class Notification(models.Model):
    """What happened to one person: something given to them, a customer's reply in
    their thread. The bell shows it; the worker mails it once (reminders)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    summary = models.CharField(max_length=300)
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
