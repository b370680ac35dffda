from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from amends.people.models import Team

language_code = RegexValidator(
    r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$",
    _("Use a language code such as en, pl, el or zh-hans."),
)
currency_code = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter currency code such as EUR."))


class Kind(models.TextChoices):
    BUSINESS = "business", _("Business")
    CONSUMER = "consumer", _("Consumer")


class Tier(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    KEY = "key", _("Key")
    STANDARD = "standard", _("Standard")
    SMALL = "small", _("Small")


class Lifecycle(models.TextChoices):
    ACTIVE = "active", _("Active")
    AT_RISK = "at_risk", _("At risk")
    IN_RECOVERY = "in_recovery", _("In recovery")
    PARTING = "parting", _("Parting")
    CHURNED = "churned", _("Churned")
    WON_BACK = "won_back", _("Won back")


# An account's health band and segment: health computes them, the account row
# keeps the latest, so the list filters by them from its own indexes.
class Band(models.TextChoices):
    RED = "red", _("Red")
    YELLOW = "yellow", _("Yellow")
    GREEN = "green", _("Green")


class Segment(models.TextChoices):
    LOYAL = "loyal", _("Loyal")
    AT_RISK = "at_risk", _("Satisfied but at risk")
    UNHAPPY = "unhappy", _("Unhappy")


class Account(models.Model):
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="accounts")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_accounts",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.BUSINESS)
    annual_value = models.DecimalField(
        _("annual value"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(
        _("currency"), max_length=3, default="EUR", validators=[currency_code]
    )
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices, default=Tier.STANDARD)
    lifecycle = models.CharField(
        _("lifecycle state"), max_length=16, choices=Lifecycle.choices, default=Lifecycle.ACTIVE
    )
    language = models.CharField(
        _("preferred language"), max_length=16, default="en", validators=[language_code]
    )
    source = models.CharField(_("source"), max_length=64, default="manual")
    external_id = models.CharField(_("external id"), max_length=128, blank=True)
    # Lower-cased name and external id: one LIKE over one column, and it works for
    # Greek and Polish where SQLite's LIKE only folds ASCII.
    search_text = models.CharField(max_length=400, editable=False, default="")
    # Copied from the latest health rescore ("" when not scored); health owns them.
    health_band = models.CharField(
        _("health"), max_length=8, choices=Band.choices, blank=True, default="", editable=False
    )
    health_segment = models.CharField(
        _("segment"), max_length=16, choices=Segment.choices, blank=True, default="", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("account")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="account_external_id_unique_per_source",
            )
        ]
        # The list's order (name, id) behind each filter it narrows by first. They end
        # in search_text so that a search (LIKE '%…%', which no index can seek) reads
        # these indexes alone: SQLite tests the pattern on each index entry and visits
        # the table only for the rows it shows, and counts without the table at all.
        indexes = [
            models.Index(fields=["name", "id", "search_text"], name="account_name_search"),
            models.Index(
                fields=["team", "name", "id", "search_text"], name="account_team_name_search"
            ),
            models.Index(
                fields=["lifecycle", "name", "id", "search_text"], name="account_lifecycle_search"
            ),
            models.Index(
                fields=["team", "lifecycle", "name", "id", "search_text"],
                name="account_team_lifecycle_search",
            ),
            models.Index(fields=["owner", "name", "id"], name="account_owner_name"),
            models.Index(fields=["health_band", "name", "id"], name="account_band_name"),
            models.Index(fields=["health_segment", "name", "id"], name="account_segment_name"),
            # The list's other sorts: the biggest customers, the latest changed.
            models.Index(fields=["-annual_value", "id"], name="account_value"),
            models.Index(fields=["-updated_at", "id"], name="account_recent"),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def search_text_for(name: str, external_id: str) -> str:
        return f"{name} {external_id}".casefold()


class Contact(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=120, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("preferred language"), max_length=16, blank=True, validators=[language_code]
    )
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    # A delivery report said mail to this address failed (cleared when it is changed).
    bouncing_since = models.DateTimeField(_("mail bouncing since"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_decision_maker", "name", "id"]
        verbose_name = _("contact")

    def __str__(self) -> str:
        return self.name


class ProtectedStaff(models.Model):
    """Someone of the team protected from this customer, after it was let go for
    abuse: never again its owner, the owner of one of its cases or of a promise to
    it. The accounts layer owns the rule, so every service that assigns people
    asks here."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="protected")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="protected_staff_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} protected from {self.account_id}"
