"""The customer's page: a private link to their case, and the updates posted there."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from amends.recovery.models import RecoveryCase


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
        db_table = "comms_caseshare"  # made by the comms app, where the page began
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
        db_table = "comms_caseupdate"
        ordering = ["-posted_at", "-id"]

    def __str__(self) -> str:
        return f"Update on case {self.case_id}"
