from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from amends.accounts.models import Account
from amends.incidents.models import Incident
from amends.recovery.models import RecoveryCase


class MessageKind(models.TextChoices):
    FIRST_CONTACT = "first_contact", _("Telling them first")
    APOLOGY = "apology", _("Apology")
    EXPLANATION = "explanation", _("Explanation")
    UPDATE = "update", _("Progress update")
    FOLLOW_UP = "follow_up", _("Follow-up")
    NOTICE = "notice", _("Notice to everyone affected")
    VALUE_SUMMARY = "value_summary", _("Value summary")
    DIGEST = "digest", _("Daily digest")
    ESCALATION = "escalation", _("Escalation")


class MessageTemplate(models.Model):
    """The words Amends offers for a kind of message in one language. Subject and
    body use {{ variables }} (contact, account, incident, commitments, sender); a
    manager edits them, and a preview fills them from a real case."""

    kind = models.CharField(_("kind"), max_length=24, choices=MessageKind.choices)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "language"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="message_template_once")
        ]
        verbose_name = _("message template")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class MessageState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Message(models.Model):
    """The delivery log. ``key`` names what is sent to whom (case 12, the apology,
    joanna@example.com); it is unique, so a retry or a second click finds the row
    and never sends twice. A deliberate resend gets a key of its own."""

    key = models.CharField(max_length=300, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=MessageKind.choices)
    case = models.ForeignKey(
        RecoveryCase, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    recipient_email = models.EmailField(_("to"))
    recipient_name = models.CharField(_("name"), max_length=200, blank=True)
    language = models.CharField(max_length=10, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    # The same Message-ID on every attempt: a mailbox that sees it twice keeps one.
    message_id = models.CharField(max_length=200)
    state = models.CharField(
        max_length=8, choices=MessageState.choices, default=MessageState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resend_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="resends"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["case", "-created_at"], name="message_case_recent"),
            models.Index(fields=["state", "claimed_at"], name="message_state_claimed"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_email} ({self.state})"


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

    class Meta:
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
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.state})"


class CaseShare(models.Model):
    """A secret link that shows the customer the plan, without login, until revoked."""

    case = models.ForeignKey(RecoveryCase, on_delete=models.CASCADE, related_name="shares")
    key = models.CharField(max_length=43, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One live link per case; revoked ones stay as a record.
            models.UniqueConstraint(
                fields=["case"], condition=Q(revoked_at__isnull=True), name="case_share_live_once"
            )
        ]

    def __str__(self) -> str:
        return f"Shared case {self.case_id}"


class CaseUpdate(models.Model):
    """A dated update the team posts for the customer: it shows on their page."""

    case = models.ForeignKey(RecoveryCase, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField(_("update"))
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    posted_at = models.DateTimeField()

    class Meta:
        ordering = ["-posted_at", "-id"]

    def __str__(self) -> str:
        return f"Update on case {self.case_id}"
