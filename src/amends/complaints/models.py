from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.accounts.models import Account
from amends.people.models import Team
from amends.recovery.models import RecoveryCase
from amends.signals.models import Signal


class Flag(models.TextChoices):
    NONE = "", _("—")
    # Been through hell: a bad day. Listen and help.
    VENTING = "venting", _("Venting: listen and help")
    # From hell: out to hurt the staff. Protect them.
    ABUSIVE = "abusive", _("Abusive")


class Channel(models.TextChoices):
    FEEDBACK_PAGE = "feedback_page", _("Public feedback page")
    API = "api", _("API")
    WEBHOOK = "webhook", _("Webhook")
    IMPORT = "import", _("Import")
    STAFF = "staff", _("Recorded by staff")
    EMAIL = "email", _("Email")


class ConversationKind(models.TextChoices):
    """What a conversation in the inbox turned out to be. Mail opens a complaint by
    default (the method welcomes them); a person re-classifies it."""

    COMPLAINT = "complaint", _("Complaint")
    FEEDBACK = "feedback", _("Feedback")
    PRAISE = "praise", _("Praise")
    QUESTION = "question", _("Question")


class Complaint(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="complaints")
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints"
    )
    signal = models.OneToOneField(
        Signal, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaint"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(_("received"))
    customer_name = models.CharField(_("name"), max_length=200, blank=True)
    customer_email = models.EmailField(_("email"), blank=True)
    # What they told us their company or account is, as typed: a hint, not a link.
    customer_company = models.CharField(_("their company or account"), max_length=200, blank=True)
    text = models.TextField(_("what they told us"))
    acknowledge_by = models.DateTimeField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("our answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey(
        RecoveryCase, on_delete=models.SET_NULL, null=True, blank=True, related_name="complaints"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction after (1–5)"), null=True, blank=True
    )
    satisfaction_at = models.DateTimeField(null=True, blank=True)
    flag = models.CharField(_("flag"), max_length=8, choices=Flag.choices, blank=True, default="")
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=ConversationKind.choices,
        default=ConversationKind.COMPLAINT,
    )
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    # Who of the team answers it; nobody until someone takes it or is given it.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
        verbose_name=_("assigned to"),
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # The inbox, newest first: a team's, and every team's (an administrator's).
            models.Index(fields=["team", "-received_at", "-id"], name="complaint_team_newest"),
            models.Index(fields=["-received_at", "-id"], name="complaint_newest"),
            models.Index(
                fields=["acknowledged_at", "acknowledge_by"], name="complaint_unacknowledged"
            ),
            # "Assigned to me", on My work and in the inbox: a person's open ones.
            models.Index(fields=["assignee", "resolved_at"], name="complaint_assignee_open"),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    def is_late(self, now: datetime) -> bool:
        """Not acknowledged, and the time to acknowledge it has run out."""
        return self.acknowledged_at is None and now > self.acknowledge_by

    @property
    def was_acknowledged_late(self) -> bool:
        return self.acknowledged_at is not None and self.acknowledged_at > self.acknowledge_by

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class AbuseReport(models.Model):
    """Abusive behaviour logged against an account, with the staff member it hurt."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="abuse_reports")
    complaint = models.ForeignKey(
        Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="abuse_reports"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="abuse_suffered"
    )
    description = models.TextField(_("what happened"))
    at = models.DateTimeField(_("when"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-at"]
        # "Two reports in 180 days" is asked per account, on every inbox page.
        indexes = [models.Index(fields=["account", "at"], name="abuse_account_at")]

    def __str__(self) -> str:
        return f"Abuse against {self.staff_id} on {self.at:%Y-%m-%d}"


class FeedbackPage(models.Model):
    """A team's public page where customers can complain or give feedback without logging in."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="feedback_page")
    public_key = models.CharField(max_length=32, unique=True)
    intro = models.TextField(_("introduction"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    def __str__(self) -> str:
        return f"Feedback page of {self.team}"
