from django.contrib import admin

from amends.health.models import (
    AccountHealth,
    AtRiskRule,
    HealthFactor,
    HealthSettings,
    HealthSnapshot,
    SegmentWeight,
)


class SegmentWeightInline(admin.TabularInline):
    model = SegmentWeight
    extra = 0


@admin.register(HealthFactor)
class HealthFactorAdmin(admin.ModelAdmin):
    list_display = [
        "key",
        "enabled",
        "weight",
        "mapping",
        "thresholds",
        "linear_worst",
        "linear_best",
        "window_days",
    ]
    list_editable = ["enabled", "weight"]
    inlines = [SegmentWeightInline]
    fieldsets = [
        (None, {"fields": ["key", "enabled", "weight", "window_days"]}),
        (
            "Mapping",
            {
                "fields": ["mapping", "thresholds", "linear_worst", "linear_best"],
                "description": "Thresholds: a list of [upper bound, points], bounds from low "
                "to high, e.g. [[0, 100], [1, 70], [3, 40], [null, 0]]: the first bound the "
                "measure is at or below gives the points, null catches the rest. Linear: the "
                "worst value gives 0 points, the best 100, straight in between (the worst "
                "may be the larger number, as for days since the last touch).",
            },
        ),
    ]


@admin.register(HealthSettings)
class HealthSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "red_below", "green_from", "silence_days", "rescored_at"]
    readonly_fields = ["rescored_at", "rescore_started_at"]

    def has_add_permission(self, request):
        # One row: the migration makes it, the rescore reads the first.
        return not HealthSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AtRiskRule)
class AtRiskRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "trigger", "min_annual_value", "active"]
    list_editable = ["active"]
    list_filter = ["trigger", "active"]


class ReadOnly(admin.ModelAdmin):
    """Written by the rescore only: look, don't touch."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccountHealth)
class AccountHealthAdmin(ReadOnly):
    list_display = ["account", "score", "band", "segment", "trend", "scored_at"]
    list_filter = ["band", "segment"]
    list_select_related = ["account"]
    search_fields = ["account__name"]
    raw_id_fields = ["account"]


@admin.register(HealthSnapshot)
class HealthSnapshotAdmin(ReadOnly):
    list_display = ["account", "day", "score", "band"]
    list_filter = ["band"]
    list_select_related = ["account"]
    date_hierarchy = "day"
    raw_id_fields = ["account"]
