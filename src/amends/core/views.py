from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from amends import __version__
from amends.core.outbox import outbox_read


def home_view(request: HttpRequest) -> HttpResponse:
    # My work: what needs this person today (the login page first, for a stranger).
    return redirect("recovery:work")


_all_applied = False


def _migrations_pending() -> int:
    """How many migrations this code has that the database lacks. Loading the graph
    costs about 12 ms, so once everything is applied this process does not look again
    (new migrations come with new code, and so with a restart)."""
    global _all_applied
    if _all_applied:
        return 0
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _all_applied = pending == 0
    return pending


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
        pending = _migrations_pending()
        migrations = "applied" if not pending else "pending"
        if pending:
            problems.append(f"{pending} migration(s) not applied: run `amends migrate`")
    body = {
        "status": "ok" if not problems else "unavailable",
        "version": __version__,
        "database": database,
        "migrations": migrations,
        "problems": problems,
    }
    return JsonResponse(body, status=200 if not problems else 503)


@login_required
def outbox_view(request: HttpRequest) -> HttpResponse:
    """The demo's outbox (AMENDS_EMAIL_OUTBOX): what was sent, where a real mail server
    would have delivered it. Staff read every message; anyone else, the mail to them.
    Without an outbox (a real mail server) there is no such page."""
    if not settings.AMENDS_OUTBOX:
        raise Http404("Mail goes to a mail server here, not to an outbox.")
    keep = None
    if not request.user.is_staff:
        mine = (getattr(request.user, "email", "") or "").casefold()

        def keep(mail) -> bool:  # the mail to this person, before counting the newest
            return bool(mine) and mine in (a.casefold() for a in mail.to)

    kept = outbox_read(settings.AMENDS_OUTBOX, keep=keep)
    return render(request, "core/outbox.html", {"kept": kept})
