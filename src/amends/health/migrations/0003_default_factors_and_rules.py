from django.db import migrations

# The shipped defaults, frozen here; administrators edit them in the admin afterwards.
# Thresholds are [upper bound, points]: the first bound the measure is at or below wins,
# null catches the rest. Linear: (worst value -> 0 points, best value -> 100 points).
FACTORS = [
    # key, weight, mapping, thresholds, linear (worst, best), window in days
    ("nps", 25, "thresholds", [[6, 0], [8, 60], [None, 100]], None, 365),
    ("csat", 15, "linear", [], (1, 5), 180),
    ("complaints", 20, "thresholds", [[0, 100], [1, 70], [3, 40], [None, 0]], None, 90),
    ("usage_trend", 15, "linear", [], (-50, 10), 60),
    ("days_since_touch", 10, "linear", [], (120, 7), 365),
    ("late_payments", 10, "thresholds", [[0, 100], [1, 60], [2, 30], [None, 0]], None, 90),
    ("late_commitments", 15, "thresholds", [[0, 100], [1, 40], [None, 0]], None, 180),
]
# A tier's own weight for a factor, in place of the default: silence and broken
# promises weigh more with the biggest accounts; usage more with the small ones.
TIER_WEIGHTS = [
    ("days_since_touch", "strategic", 20),
    ("late_commitments", "strategic", 25),
    ("days_since_touch", "key", 15),
    ("days_since_touch", "small", 5),
    ("usage_trend", "small", 20),
]
RULES = [
    ("Health turned red", "turned_red", None),
    ("A detractor answered", "detractor", None),
    ("Cooling detected", "cooling", None),
    ("A high-value account went silent", "silent_high_value", 50000),
]


def add_defaults(apps, schema_editor):
    HealthFactor = apps.get_model("health", "HealthFactor")
    SegmentWeight = apps.get_model("health", "SegmentWeight")
    HealthSettings = apps.get_model("health", "HealthSettings")
    AtRiskRule = apps.get_model("health", "AtRiskRule")
    if not HealthSettings.objects.exists():
        HealthSettings.objects.create()
    if not HealthFactor.objects.exists():
        for key, weight, mapping, thresholds, linear, window in FACTORS:
            HealthFactor.objects.create(
                key=key,
                weight=weight,
                mapping=mapping,
                thresholds=thresholds,
                linear_worst=linear[0] if linear else None,
                linear_best=linear[1] if linear else None,
                window_days=window,
            )
        for key, tier, weight in TIER_WEIGHTS:
            SegmentWeight.objects.create(
                factor=HealthFactor.objects.get(key=key), tier=tier, weight=weight
            )
    if not AtRiskRule.objects.exists():
        for name, trigger, min_value in RULES:
            AtRiskRule.objects.create(name=name, trigger=trigger, min_annual_value=min_value)


class Migration(migrations.Migration):
    dependencies = [("health", "0002_rescore_state")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
