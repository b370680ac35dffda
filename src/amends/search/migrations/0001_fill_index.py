"""Fill the search index (core 0003 made it empty) from what is already there, so an
upgraded installation finds its old accounts and mail at once. The same code as
`amends search rebuild`, with the models as they are at this point of history."""

from django.db import migrations


def fill(apps, schema_editor):
    from amends.search.documents import index_rebuild

    index_rebuild(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_search_entry"),
        ("accounts", "0007_contact_bouncing_since"),
        ("complaints", "0006_conversation_assignee"),
        ("mail", "0001_initial"),
        ("recovery", "0007_promises_not_free_by_default"),
        ("incidents", "0002_default_causes"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
