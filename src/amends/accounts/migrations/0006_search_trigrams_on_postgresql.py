"""On PostgreSQL, a trigram index answers the account search (LIKE '%…%'), which no
B-tree can seek: without it a search of 100,000 accounts read them all (56 ms at p95
on the scale bench against 36 ms on SQLite, whose indexes end in search_text and are
read alone). pg_trgm ships with PostgreSQL and, since version 13, a database owner
may install it; where it cannot be installed the search still works, by a scan."""

from django.db import migrations

INDEX = "account_search_trigrams"


def add(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SAVEPOINT amends_trgm")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON accounts_account "
                "USING gin (search_text gin_trgm_ops)"
            )
            cursor.execute("RELEASE SAVEPOINT amends_trgm")
    except Exception as error:  # noqa: BLE001 - any refusal leaves the search as it was
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK TO SAVEPOINT amends_trgm")
        print(f"\n  The account search has no trigram index ({error}); it still works.")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [("accounts", "0005_health_band_on_the_row")]

    operations = [migrations.RunPython(add, drop, elidable=False)]
