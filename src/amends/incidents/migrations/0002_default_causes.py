from django.db import migrations

CAUSES = [
    ("people", "People"),
    ("process", "Process"),
    ("product", "Product"),
    ("supplier", "Supplier"),
    ("communication", "Communication"),
    ("customer-side", "Customer side"),
]


def add_causes(apps, schema_editor):
    CauseCategory = apps.get_model("incidents", "CauseCategory")
    for order, (slug, name) in enumerate(CAUSES):
        CauseCategory.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(add_causes, migrations.RunPython.noop)]
