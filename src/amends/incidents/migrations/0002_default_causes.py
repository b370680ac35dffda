from django.db import migrations
from django.utils.translation import gettext_noop

CAUSES = [
    ("people", gettext_noop("People")),
    ("process", gettext_noop("Process")),
    ("product", gettext_noop("Product")),
    ("supplier", gettext_noop("Supplier")),
    ("communication", gettext_noop("Communication")),
    ("customer-side", gettext_noop("Customer side")),
]


def add_causes(apps, schema_editor):
    CauseCategory = apps.get_model("incidents", "CauseCategory")
    for order, (slug, name) in enumerate(CAUSES):
        CauseCategory.objects.get_or_create(slug=slug, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(add_causes, migrations.RunPython.noop)]
