from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicSlot(models.Model):
    """One periodic job in one slot of its schedule, claimed by the first worker to
    insert the row: the unique pair is what makes the job run once however many
    workers share the database."""

    name = models.CharField(max_length=200)  # the task's module path
    starts_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "starts_at"], name="periodic_slot_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.starts_at:%Y-%m-%d %H:%M}"


class SearchKind(models.TextChoices):
    ACCOUNT = "account", _("Accounts")
    CONTACT = "contact", _("Contacts")
    CONVERSATION = "conversation", _("Inbox conversations")
    CASE = "case", _("Recovery cases")
    INCIDENT = "incident", _("Incidents")


class SearchEntry(models.Model):
    """One thing a person may search for, with its words as ``core.textsearch`` made
    them. The search app keeps the entries; SQLite's FTS5 table and PostgreSQL's
    ``document`` column (migration 0003) index ``text``. Core knows no app, so the
    object and its team are plain ids."""

    kind = models.CharField(max_length=16, choices=SearchKind.choices)
    object_id = models.BigIntegerField()
    # The team that may see it (None: a thing of no team, seen by administrators only).
    team_id = models.BigIntegerField(null=True)
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
