"""The account row keeps its latest band and segment (issue 12): copy them from the
scores already there, so the account list's filters work before the next rescore."""

from django.db import migrations


def copy_onto_accounts(apps, schema_editor):
    health = apps.get_model("health", "AccountHealth")
    accounts = apps.get_model("accounts", "Account")
    groups: dict[tuple[str, str], list[int]] = {}
    for account_id, band, segment in health.objects.values_list("account_id", "band", "segment"):
        groups.setdefault((band, segment), []).append(account_id)
    for (band, segment), ids in groups.items():
        for start in range(0, len(ids), 500):
            accounts.objects.filter(pk__in=ids[start : start + 500]).update(
                health_band=band, health_segment=segment
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_health_band_on_the_row"),
        ("health", "0004_snapshot_segment"),
    ]

    operations = [migrations.RunPython(copy_onto_accounts, migrations.RunPython.noop)]
