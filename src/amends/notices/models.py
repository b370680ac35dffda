"""Notices at scale: one letter to everyone an incident touched, in their language."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from amends.incidents.models import Incident


class NoticeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    RUNNING = "running", _("Sending")
    PAUSED = "paused", _("Paused")
    DONE = "done", _("Done")


class NoticeRun(models.Model):
    """One notice to everyone an incident touched: a recipient list, texts per
    language, sent in the background at a set rate, pausable, safe to kill."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notice_runs")
    name = models.CharField(_("name"), max_length=200)
    # {language: {"subject": ..., "body": ...}}. PostgreSQL's jsonb keeps no key
    # order, so the order the languages were written in (the first is the fallback,
    # for everyone whose language has no text) is kept apart, in ``languages``.
    texts = models.JSONField(default=dict)
    languages = models.JSONField(default=list)
    state = models.CharField(max_length=8, choices=NoticeState.choices, default=NoticeState.DRAFT)
    rate_per_second = models.PositiveIntegerField(_("messages per second"), default=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "comms_noticerun"  # made by the comms app, where notices began
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice run")

    def __str__(self) -> str:
        return self.name

    def texts_in_order(self) -> dict:
        """The texts, the fallback language first, in the order they were written."""
        return texts_ordered(self.texts, self.languages)


def texts_ordered(texts: dict, languages: list) -> dict:
    order = [code for code in languages if code in texts]
    order += sorted(code for code in texts if code not in order)
    return {code: texts[code] for code in order}


class RecipientState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class NoticeRecipient(models.Model):
    run = models.ForeignKey(NoticeRun, on_delete=models.CASCADE, related_name="recipients")
    line = models.PositiveIntegerField()  # in the uploaded file, for error reports
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=10, blank=True)
    fields = models.JSONField(default=dict, blank=True)  # the file's other columns
    state = models.CharField(
        max_length=8, choices=RecipientState.choices, default=RecipientState.PENDING
    )
    message_id = models.CharField(max_length=200)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set before its message goes to the mail server, cleared when the 250 is recorded:
    # a row given back with it set may have been delivered already.
    handed_at = models.DateTimeField(null=True, blank=True)
    # How often it went back to the queue while its message may have been delivered:
    # each time, the same message (same Message-ID) may cross the wire once more.
    in_doubt = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    # A delivery report came back for it: sent, and never arrived.
    bounced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "comms_noticerecipient"
        ordering = ["run", "line"]
        constraints = [
            models.UniqueConstraint(fields=["run", "email"], name="notice_recipient_once")
        ]
        indexes = [
            models.Index(fields=["run", "state", "line"], name="notice_recipient_todo"),
            # The few rows in doubt, counted on every progress poll without a table scan.
            models.Index(
                fields=["run"], condition=Q(in_doubt__gt=0), name="notice_recipient_doubt"
            ),
            # … and the letters that bounced.
            models.Index(
                fields=["run"],
                condition=Q(bounced_at__isnull=False),
                name="notice_recipient_bounced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.state})"
