from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.accounts.models import Account
from amends.core.shipped import shipped
from amends.people.models import Team


class Severity(models.IntegerChoices):
    # 1 is the worst: deadlines are tightest there.
    CRITICAL = 1, _("Critical")
    MAJOR = 2, _("Major")
    MODERATE = 3, _("Moderate")
    MINOR = 4, _("Minor")


class Fault(models.TextChoices):
    OURS = "ours", _("Ours")
    SUPPLIER = "supplier", _("A supplier's")
    CUSTOMER = "customer", _("The customer's")
    SHARED = "shared", _("Shared")
    UNKNOWN = "unknown", _("Unknown")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class CauseCategory(models.Model):
    """An editable list (admin); the six of METHOD.md are shipped by a migration."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(max_length=40, unique=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("cause category")
        verbose_name_plural = _("cause categories")

    def __str__(self) -> str:
        return shipped(self.name)


class Incident(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="incidents")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what went wrong"), blank=True)
    occurred_at = models.DateTimeField(_("happened at"))
    discovered_at = models.DateTimeField(_("discovered at"))
    severity = models.PositiveSmallIntegerField(
        _("severity"), choices=Severity.choices, default=Severity.MODERATE
    )
    cause = models.ForeignKey(
        CauseCategory, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("cause")
    )
    fault = models.CharField(_("whose fault"), max_length=16, choices=Fault.choices)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-discovered_at", "-id"]
        verbose_name = _("incident")
        indexes = [models.Index(fields=["cause", "-discovered_at"], name="incident_cause_recent")]

    def __str__(self) -> str:
        return self.title


class AffectedAccount(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="incidents")
    units = models.PositiveIntegerField(_("units affected"), null=True, blank=True)
    people = models.PositiveIntegerField(_("people affected"), null=True, blank=True)
    money = models.DecimalField(
        _("money at stake"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    impact = models.CharField(_("impact"), max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "account"], name="affected_once")
        ]
        verbose_name = _("affected account")

    def __str__(self) -> str:
        return f"{self.account} · {self.incident}"


class PostMortem(models.Model):
    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="postmortem")
    what_happened = models.TextField(_("what happened"), blank=True)
    how_and_why = models.TextField(_("how and why"), blank=True)
    what_was_done = models.TextField(_("what was done"), blank=True)
    what_changed = models.TextField(_("what changed"), blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    public_key = models.CharField(max_length=32, unique=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("post-mortem")

    def __str__(self) -> str:
        return f"Post-mortem: {self.incident}"
