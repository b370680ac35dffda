from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amends.accounts.models import Account
from amends.people.models import Team


class SignalKind(models.TextChoices):
    """The built-in kinds. Any other lower-case slug is a custom kind."""

    COMPLAINT = "complaint", _("Complaint")
    PRAISE = "praise", _("Praise")
    NPS = "nps", _("NPS answer")
    CSAT = "csat", _("CSAT answer")
    ORDER = "order", _("Order")
    USAGE = "usage", _("Usage")
    LATE_PAYMENT = "late_payment", _("Late payment")
    TICKET_OPENED = "ticket_opened", _("Support ticket opened")
    TICKET_CLOSED = "ticket_closed", _("Support ticket closed")
    MEETING = "meeting", _("Meeting")
    REFERRAL = "referral", _("Referral given")


class Signal(models.Model):
    """A timestamped fact about an account. (source, external_id) is unique, so
    every way in can be repeated without making doubles."""

    # No index of its own: signal_account_kind_at starts with the account, and every
    # index is paid for on each of the millions of rows an import writes.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="signals", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=40)
    at = models.DateTimeField(_("when"))
    source = models.CharField(_("source"), max_length=64)
    external_id = models.CharField(_("external id"), max_length=128)
    # NPS 0 to 10, CSAT 1 to 5, an order's amount, a usage measure.
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    metric = models.CharField(_("metric"), max_length=64, blank=True)
    text = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="signal_once")
        ]
        indexes = [
            models.Index(fields=["account", "kind", "at"], name="signal_account_kind_at"),
            models.Index(fields=["kind", "at"], name="signal_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} · {self.account_id} · {self.at:%Y-%m-%d}"


class SignalSource(models.Model):
    """A system that sends signals by webhook, with its shared secret. The secret
    is kept as given: checking an HMAC needs it, not a hash of it."""

    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120)
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="signal_sources",
        help_text=_("Only this team's accounts may be named; empty for every team."),
    )
    secret = models.CharField(_("shared secret"), max_length=128)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("signal source")

    def __str__(self) -> str:
        return self.name


class WebhookReceipt(models.Model):
    """Each accepted webhook signature, so the same request cannot be played twice."""

    source = models.ForeignKey(SignalSource, on_delete=models.CASCADE, related_name="receipts")
    signature = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "signature"], name="webhook_receipt_once")
        ]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.signature[:8]}"


class SignalHookRun(models.Model):
    """A large recording's new signals, whose hooks (complaints from complaint
    signals) run after its commit, in the worker: the signals after ``after_id``
    stamped ``created_at``. ``done_at`` is the claim: set once, by one worker."""

    after_id = models.BigIntegerField()
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"signals after {self.after_id} at {self.created_at:%Y-%m-%d %H:%M:%S}"
