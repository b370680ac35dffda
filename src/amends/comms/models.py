from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.accounts.models import Account
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
    ANSWER = "answer", _("Answer in the inbox")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement of receipt")
    NOTIFICATION = "notification", _("Notification to a colleague")


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
    # Headers beyond the usual: a reply's In-Reply-To, References and Reply-To.
    headers = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["case", "-created_at"], name="message_case_recent"),
            models.Index(fields=["state", "claimed_at"], name="message_state_claimed"),
            # A customer's reply names our mail by its Message-ID (In-Reply-To).
            models.Index(fields=["message_id"], name="message_by_message_id"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_email} ({self.state})"
