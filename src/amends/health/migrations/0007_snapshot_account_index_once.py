"""The snapshots' index on the account alone goes: the (account, day) constraint's
index starts with the account and answers the same lookups, and the second index cost
every day's snapshots a write into an index as big as the whole history.

The index is dropped by its name, not by AlterField: on SQLite, AlterField rebuilds
the table, every snapshot of the history copied, to drop one index."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "health_healthsnapshot_account_id_87d2d4dd"  # Django's name for the old index


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_account_sorts"),
        ("health", "0006_health_days"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="healthsnapshot",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="health_history",
                        to="accounts.account",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=(
                        f'CREATE INDEX "{INDEX}" ON "health_healthsnapshot" ("account_id")'
                    ),
                ),
            ],
        ),
    ]
