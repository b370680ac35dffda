"""What every figure of METHOD.md ("Principles that become numbers") shares: its
conventions and the helpers that carry them out. The figures, computed from the
records the other apps keep, are in ``casework.py``, ``outcomes.py``,
``complainers.py`` and ``history.py``. Read-only selectors: each takes the teams the
reader may see (``None`` for every team, as ``team_ids_for`` answers) and returns
plain JSON-ready dicts, each with a ``definition`` that says in words what was counted.

A period ``start`` to ``end`` is a pair of dates, both included, read in the site's
time zone: from ``start`` 00:00 up to (not including) the day after ``end``.

Every figure also takes ``segment``: only the accounts whose loyalty segment is that
one as of the latest rescore (``Account.health_segment``; an account never scored is
in none). Incident-based figures keep the incidents that affected at least one such
account.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

WINDOW = timedelta(days=90)


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[from, until): the first instant of ``start`` and of the day after ``end``."""
    if end < start:
        raise ValueError("The period ends before it starts.")
    zone = timezone.get_current_timezone()
    since = timezone.make_aware(datetime.combine(start, time.min), zone)
    until = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone)
    return since, until


def _teams(field: str, teams: set[int] | None) -> Q:
    return Q() if teams is None else Q(**{f"{field}__in": teams})


def _segment(account: str, segment: str | None) -> Q:
    """Only accounts (reached through the path ``account``) in ``segment`` now."""
    # The segment the latest rescore copied onto the account's row: no join to its health.
    prefix = f"{account}__" if account else ""
    return Q(**{f"{prefix}health_segment": segment}) if segment else Q()


def _share(part: int, whole: int) -> float | None:
    # No denominator, no figure: 0 % would claim a failure that never had a chance.
    return round(part / whole, 4) if whole else None


def _money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))
