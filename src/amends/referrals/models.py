"""Who referred whom (METHOD.md, Playbook 4): a graceful exit can turn a bad fit
into a fan, so a referral remembers whether it came from a former client."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amends.accounts.models import Account
from amends.people.models import Team

NAME_MAX = 200
NOTE_MAX = 2000


class Referral(models.Model):
    # The referrer's team, when it was recorded: who may see the referral.
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="referrals")
    referrer = models.ForeignKey(
        Account,
        on_delete=models.PROTECT,
        related_name="referrals_given",
        verbose_name=_("referred by"),
    )
    # The company referred need not be an account (yet): then only its name is known.
    referred_account = models.ForeignKey(
        Account,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals_received",
        verbose_name=_("referred account"),
    )
    referred_name = models.CharField(_("referred company"), max_length=NAME_MAX)
    referred_contact_name = models.CharField(_("contact name"), max_length=NAME_MAX, blank=True)
    referred_contact_email = models.EmailField(_("contact email"), blank=True)
    referred_on = models.DateField(_("referred on"))
    note = models.TextField(_("note"), blank=True)
    # Decided when it was recorded, and kept: the referrer may be won back later,
    # but the referral still came from a former client.
    from_former_client = models.BooleanField(_("from a former client"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-referred_on", "-id"]
        verbose_name = _("referral")
        constraints = [
            models.UniqueConstraint(
                fields=["referrer", "referred_account"], name="referral_once_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(referred_account__isnull=True) | ~Q(referrer=F("referred_account")),
                name="referral_not_self",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "-referred_on", "-id"], name="referral_team_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.referrer_id} → {self.referred_name}"

    @property
    def signal_external_id(self) -> str:
        return f"referral-{self.pk}"
