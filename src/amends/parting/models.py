"""Playbook 4 of METHOD.md: a bad fit. The crucial conversation and its decision,
and when the decision is to part, the exit plan: onboarding in reverse.

The plan's dated promises (end of service, deliverables, data hand-over, final
invoice, next steps) are recovery commitments, so they are owned, dated, escalate
when late, show on the customer's page and count in "commitments kept on time".
An ``ExitItem`` only says which part of the exit each one is."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.recovery.models import Commitment, RecoveryCase


class Decision(models.TextChoices):
    CONTINUE = "continue", _("Continue, with what we agreed")
    PART = "part", _("Part by mutual decision")


class CrucialConversation(models.Model):
    case = models.OneToOneField(
        RecoveryCase, on_delete=models.CASCADE, related_name="crucial_conversation"
    )
    held_at = models.DateTimeField(_("held on"))
    not_working = models.TextField(_("what is not working"))
    our_part = models.TextField(_("our part in it"))
    their_part = models.TextField(_("their part in it"))
    options = models.TextField(_("the options discussed"))
    our_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("who was there from us")
    )
    their_people = models.CharField(_("who was there from the customer"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The decision, taken in the conversation or after it.
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    agreed = models.TextField(_("what we agreed"), blank=True)
    attentive_until = models.DateField(_("attentive until"), null=True, blank=True)

    class Meta:
        verbose_name = _("crucial conversation")

    def __str__(self) -> str:
        return f"Crucial conversation on case {self.case_id}"


class ExitKind(models.TextChoices):
    MUTUAL = "mutual", _("Parting by mutual decision")
    ABUSE = "abuse", _("Letting the customer go for abuse")


class ExitPlan(models.Model):
    case = models.OneToOneField(RecoveryCase, on_delete=models.CASCADE, related_name="exit_plan")
    kind = models.CharField(_("kind"), max_length=16, choices=ExitKind.choices)
    end_on = models.DateField(_("service ends on"))
    update_every_days = models.PositiveSmallIntegerField(
        _("progress update every (days)"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )
    next_update_due = models.DateTimeField(_("next update due"), null=True, blank=True)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Letting go for abuse: why. Who is kept away from the customer from now on is
    # the accounts layer's rule (accounts.ProtectedStaff), recorded once, there.
    abuse_reason = models.TextField(_("why we let them go"), blank=True)
    # The close: a final conversation and the customer's word on how we parted.
    final_conversation_at = models.DateTimeField(null=True, blank=True)
    final_conversation_note = models.TextField(_("final conversation"), blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    feedback_rating = models.PositiveSmallIntegerField(
        _("how we handled the parting (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    feedback_would_recommend = models.BooleanField(_("would recommend us"), null=True, blank=True)
    feedback_comment = models.TextField(_("their words"), blank=True)
    feedback_from_customer = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("exit plan")
        indexes = [
            models.Index(fields=["closed_at", "next_update_due"], name="exit_plan_update_due")
        ]

    def __str__(self) -> str:
        return f"Exit plan of case {self.case_id}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class ExitItemKind(models.TextChoices):
    END = "end", _("End of service")
    DELIVERABLE = "deliverable", _("Deliverable")
    DATA_HANDOVER = "data_handover", _("Data hand-over")
    FINAL_INVOICE = "final_invoice", _("Final invoice")
    NEXT_STEP = "next_step", _("Next step")


class ExitItem(models.Model):
    plan = models.ForeignKey(ExitPlan, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("part of the exit"), max_length=16, choices=ExitItemKind.choices)
    commitment = models.OneToOneField(
        Commitment, on_delete=models.CASCADE, related_name="exit_item"
    )

    class Meta:
        ordering = ["commitment__due_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.commitment.what}"
