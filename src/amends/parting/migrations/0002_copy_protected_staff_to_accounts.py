# The protected-staff rule moved to the accounts layer (accounts.ProtectedStaff):
# copy the staff protected by earlier lets-go there.

from django.db import migrations


def copy_protected(apps, schema_editor):
    ExitPlan = apps.get_model("parting", "ExitPlan")
    ProtectedStaff = apps.get_model("accounts", "ProtectedStaff")
    for plan in ExitPlan.objects.select_related("case").prefetch_related("protected_staff"):
        for user in plan.protected_staff.all():
            ProtectedStaff.objects.get_or_create(
                account_id=plan.case.account_id,
                user_id=user.pk,
                defaults={"reason": plan.abuse_reason},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("parting", "0001_initial"),
        ("accounts", "0004_protected_staff"),
    ]

    operations = [migrations.RunPython(copy_protected, migrations.RunPython.noop)]
