from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.accounts.models import Account, Band, Segment, Tier
from amends.people.models import Team


class Trend(models.TextChoices):
    UP = "up", "↑"
    DOWN = "down", "↓"
    FLAT = "flat", "→"


class NpsCategory(models.TextChoices):
    PROMOTER = "promoter", _("Promoter (9–10)")
    PASSIVE = "passive", _("Passive (7–8)")
    DETRACTOR = "detractor", _("Detractor (0–6)")


class FactorKey(models.TextChoices):
    NPS = "nps", _("Latest NPS answer")
    CSAT = "csat", _("Average CSAT answer")
    COMPLAINTS = "complaints", _("Complaints in the window")
    USAGE_TREND = "usage_trend", _("Usage trend (%)")
    DAYS_SINCE_TOUCH = "days_since_touch", _("Days since the last touch")
    LATE_PAYMENTS = "late_payments", _("Late payments in the window")
    LATE_COMMITMENTS = "late_commitments", _("Open commitments past due")


class Mapping(models.TextChoices):
    THRESHOLDS = "thresholds", _("Hard thresholds")
    LINEAR = "linear", _("Linear range")


class HealthFactor(models.Model):
    """One ingredient of the health score: a measure mapped to 0 to 100 points.

    Thresholds: a list of [upper bound, points]; the first bound the measure is at
    or below gives the points (a null bound catches the rest). Linear: the measure
    at ``linear_worst`` gives 0 points, at ``linear_best`` 100, straight in between.
    """

    key = models.CharField(_("measure"), max_length=32, choices=FactorKey.choices, unique=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=10)
    mapping = models.CharField(_("mapping"), max_length=16, choices=Mapping.choices)
    thresholds = models.JSONField(_("thresholds"), default=list, blank=True)
    linear_worst = models.FloatField(_("worst value (0 points)"), null=True, blank=True)
    linear_best = models.FloatField(_("best value (100 points)"), null=True, blank=True)
    window_days = models.PositiveIntegerField(_("window (days)"), default=90)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("health factor")

    def __str__(self) -> str:
        return self.get_key_display()

    def clean(self) -> None:
        if self.mapping == Mapping.LINEAR:
            if self.linear_worst is None or self.linear_best is None:
                raise ValidationError(_("A linear range needs a worst and a best value."))
            if self.linear_worst == self.linear_best:
                raise ValidationError(_("The worst and the best value must differ."))
            return
        rows = self.thresholds
        if not isinstance(rows, list) or not rows:
            raise ValidationError({"thresholds": _("Give a list of [upper bound, points] pairs.")})
        bounds = []
        for row in rows:
            ok = isinstance(row, list | tuple) and len(row) == 2
            ok = ok and (row[0] is None or isinstance(row[0], int | float))
            ok = ok and isinstance(row[1], int | float) and 0 <= row[1] <= 100
            if not ok:
                raise ValidationError(
                    {"thresholds": _("Each pair is [upper bound or null, points from 0 to 100].")}
                )
            bounds.append(row[0])
        numbers = [b for b in bounds if b is not None]
        if numbers != sorted(numbers) or (None in bounds and bounds[-1] is not None):
            raise ValidationError(
                {"thresholds": _("List the bounds from low to high, with null (the rest) last.")}
            )


class SegmentWeight(models.Model):
    """A factor's weight for one tier of accounts, in place of its default."""

    factor = models.ForeignKey(HealthFactor, on_delete=models.CASCADE, related_name="tier_weights")
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    weight = models.PositiveSmallIntegerField(_("weight"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["factor", "tier"], name="segment_weight_once")
        ]
        verbose_name = _("weight for a tier")

    def __str__(self) -> str:
        return f"{self.factor} · {self.tier}: {self.weight}"


class HealthSettings(models.Model):
    """One row: the bands, the segment rules and the cooling thresholds."""

    red_below = models.PositiveSmallIntegerField(_("red below"), default=40)
    green_from = models.PositiveSmallIntegerField(_("green from"), default=70)
    # Loyalty segments.
    unhappy_complaints = models.PositiveSmallIntegerField(
        _("complaints in 90 days that make an account unhappy"), default=3
    )
    loyal_needs_referral_or_touch_days = models.PositiveSmallIntegerField(
        _("a promoter is loyal with a referral or a touch within (days)"), default=60
    )
    # Cooling.
    fall_points = models.PositiveSmallIntegerField(
        _("score fall that counts as cooling"), default=15
    )
    fall_window_days = models.PositiveSmallIntegerField(_("over (days)"), default=30)
    silence_days = models.PositiveSmallIntegerField(_("silence after (days)"), default=45)
    p_alive_below = models.FloatField(_("consumer cooling below probability active"), default=0.5)
    # The daily rescore: claimed by one worker (compare-and-set), then marked done.
    rescore_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    rescored_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("health settings")
        verbose_name_plural = _("health settings")

    def __str__(self) -> str:
        return str(_("Health settings"))

    def clean(self) -> None:
        if not 0 < self.red_below <= self.green_from <= 100:
            raise ValidationError(_("Red below must be above 0 and at most green from (≤ 100)."))
        if not 0 <= self.p_alive_below <= 1:
            raise ValidationError({"p_alive_below": _("A probability is between 0 and 1.")})

    @classmethod
    def current(cls) -> "HealthSettings":
        found = cls.objects.order_by("pk").first()
        return found or cls.objects.create()


class AccountHealth(models.Model):
    """The latest score of an account, with the reasons behind it.

    The score runs from 0 to 100 and **high means healthy**. An account with no data
    at all (no signal in any factor's window, no commitment) has no row here: no
    score is better than a made-up one.
    """

    account = models.OneToOneField(
        Account, on_delete=models.CASCADE, primary_key=True, related_name="health"
    )
    score = models.PositiveSmallIntegerField(_("health"))
    band = models.CharField(_("band"), max_length=8, choices=Band.choices)
    segment = models.CharField(_("segment"), max_length=16, choices=Segment.choices)
    nps_category = models.CharField(max_length=12, choices=NpsCategory.choices, blank=True)
    factors = models.JSONField(default=dict)
    last_touch_at = models.DateTimeField(null=True, blank=True)
    p_alive = models.FloatField(null=True, blank=True)
    expected_purchases = models.FloatField(null=True, blank=True)
    cooling = models.JSONField(default=list, blank=True)
    # The score of the snapshot at least a week older, and which way it went since.
    previous_score = models.PositiveSmallIntegerField(null=True, blank=True)
    trend = models.CharField(max_length=8, choices=Trend.choices, blank=True)
    scored_at = models.DateTimeField()

    class Meta:
        # With the account: the list counts a band or a segment from the index alone,
        # and a filtered page tests each account against it without reading the row.
        indexes = [
            models.Index(fields=["band", "account"], name="health_band_account"),
            models.Index(fields=["segment", "account"], name="health_segment_account"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.score}"


class HealthSnapshot(models.Model):
    # No index of its own: the (account, day) constraint's index starts with it, and a
    # second one cost every day's snapshots a write into an index as big as the history.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="health_history", db_index=False
    )
    day = models.DateField()
    score = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=8, choices=Band.choices)
    # The loyalty segment that day, for the insights over time; blank before it was kept.
    segment = models.CharField(max_length=16, choices=Segment.choices, blank=True, default="")

    class Meta:
        ordering = ["account", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="health_snapshot_daily")
        ]
        # One day's snapshots, read whole to compare every account with a past day.
        indexes = [models.Index(fields=["day", "account", "score"], name="health_snapshot_day")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}: {self.score}"


class HealthDay(models.Model):
    """One day's snapshots summed per team, segment, band and currency: the insights'
    history reads these few hundred rows a day instead of every account's snapshot.
    Written by the rescore with the day's snapshots, in the same transaction; the
    values, currencies and lifecycles are the accounts' as they were that day.
    ``amends verify`` compares them with the snapshots, ``--repair`` rewrites them."""

    day = models.DateField()
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    segment = models.CharField(max_length=16, choices=Segment.choices, blank=True)
    band = models.CharField(max_length=8, choices=Band.choices)
    currency = models.CharField(max_length=3)
    # Churned or parting that day: left out of the revenue at risk.
    closed = models.BooleanField()
    accounts = models.PositiveIntegerField()
    annual_value = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "team", "segment", "band", "currency", "closed"],
                name="health_day_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.team_id} {self.segment}/{self.band}: {self.accounts}"


class RevenueAtRisk(models.Model):
    """Per team and currency, as of the last rescore: the annual value of the accounts
    whose health is red or whose segment is satisfied but at risk, churned and parting
    accounts left out. Summed at the rescore so the account list reads a few rows
    instead of adding up 100,000 accounts on every page."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=18, decimal_places=2)
    accounts = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "currency"], name="revenue_at_risk_once")
        ]

    def __str__(self) -> str:
        return f"{self.team_id}: {self.total} {self.currency}"


class Trigger(models.TextChoices):
    TURNED_RED = "turned_red", _("The score turns red")
    DETRACTOR = "detractor", _("A detractor answers (NPS 0–6)")
    COOLING = "cooling", _("Cooling is detected")
    SILENT_HIGH_VALUE = "silent_high_value", _("A high-value account goes silent")


class AtRiskRule(models.Model):
    """When to open a thaw case (Playbook 2) by itself."""

    name = models.CharField(_("name"), max_length=120)
    trigger = models.CharField(_("trigger"), max_length=24, choices=Trigger.choices)
    min_annual_value = models.DecimalField(
        _("only accounts worth at least"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("at-risk rule")

    def __str__(self) -> str:
        return self.name
