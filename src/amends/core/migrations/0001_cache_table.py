from django.core.management import call_command
from django.db import migrations


def cache_table(apps, schema_editor):
    # The shared cache (feedback rate limits) lives in the database, so every
    # server process counts against the same limit. A no-op for other backends.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    operations = [migrations.RunPython(cache_table, migrations.RunPython.noop)]
