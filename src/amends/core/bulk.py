"""Plain-row inserts through the DB-API cursor, for the ingest paths where the
ORM's per-object work is most of the cost (100,000 complaints from one import)."""

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, models
from django.dispatch import Signal

CHUNK = 2000

# Rows written without ``save()`` (``bulk_create``, ``bulk_update``, ``rows_insert``)
# send no ``post_save``: the paths that write them say so here, with the model as the
# sender and ``ids``, inside their transaction, so that what apps above keep of those
# rows (the search index) follows. Core knows no app: it only carries the news.
rows_written = Signal()


def rows_written_send(model: type[models.Model], ids: Iterable[int]) -> None:
    ids = [pk for pk in ids if pk is not None]
    if ids:
        rows_written.send(sender=model, ids=ids)


# Fields whose Python value is already what the database takes.
PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)


def _converter(field: models.Field, db) -> Callable[[Any], Any]:
    if isinstance(field, models.DateTimeField):
        return db.ops.adapt_datetimefield_value
    if isinstance(field, PLAIN) and not isinstance(field, models.DecimalField):
        return lambda value: value
    return lambda value: field.get_db_prep_save(value, db)


def rows_insert(model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
    """Insert ``rows`` (attname -> value) into ``model``'s table in the current
    transaction; a field a row leaves out gets its default. Returns the count."""
    db = connection.cursor().db  # the real wrapper, not the proxy, looked up once
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    columns = [(f.attname, f.get_default(), _converter(f, db)) for f in fields]
    table = db.ops.quote_name(model._meta.db_table)
    names = ", ".join(db.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - names from the model
    count, batch = 0, []
    with db.cursor() as cursor:
        for row in rows:
            batch.append([convert(row.get(name, default)) for name, default, convert in columns])
            if len(batch) >= CHUNK:
                cursor.executemany(sql, batch)
                count, batch = count + len(batch), []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count
