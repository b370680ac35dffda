from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache

from amends import __version__


def home_view(request: HttpRequest) -> HttpResponse:
    return redirect("accounts:list")


@never_cache
def healthz_view(request: HttpRequest) -> JsonResponse:
    problems = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "reachable"
    except DatabaseError as error:
        database = "unreachable"
        problems.append(f"database unreachable: {error}")
    migrations = "unknown"
    if not problems:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        migrations = "applied" if not pending else "pending"
        if pending:
            problems.append(f"{len(pending)} migration(s) not applied: run `amends migrate`")
    body = {
        "status": "ok" if not problems else "unavailable",
        "version": __version__,
        "database": database,
        "migrations": migrations,
        "problems": problems,
    }
    return JsonResponse(body, status=200 if not problems else 503)
