"""What the rescore keeps copied or summed for speed, and how ``amends verify`` checks
it against its source: each day's health summed for the insights' history
(``HealthDay``, from the snapshots) and each account's band and segment on its own row
(from its latest score)."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Case, Count, F, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from amends.accounts.models import Account
from amends.health.models import AccountHealth, HealthDay, HealthSnapshot
from amends.health.rules import CLOSED_LIFECYCLES

DAYS_PER_QUERY = 7
ROW = ("day", "team_id", "segment", "band", "currency", "closed")


def _sums(days: list[date]) -> dict[tuple[Any, ...], tuple[int, Any]]:
    """(day, team, segment, band, currency, closed) -> (accounts, annual value) from the
    snapshots of ``days``: one GROUP BY, which the snapshots' day index answers."""
    closed = Case(
        When(account__lifecycle__in=CLOSED_LIFECYCLES, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    grouped = (
        HealthSnapshot.objects.filter(day__in=days)
        .order_by()
        .annotate(closed=closed)
        .values_list("day", "account__team_id", "segment", "band", "account__currency", "closed")
        .annotate(accounts=Count("id"), value=Sum("account__annual_value"))
    )
    return {tuple(row[:6]): (row[6], row[7]) for row in grouped}


def _counts(days: list[date]) -> tuple[dict[tuple[Any, ...], int], dict[tuple[Any, ...], int]]:
    """(day, segment, band) -> accounts, from the snapshots and from the sums. Only the
    snapshot's own columns can be checked: a day's team, currency, value and lifecycle
    are the account's as they were when the day was summed, and may have changed."""
    snapshots = (
        HealthSnapshot.objects.filter(day__in=days)
        .order_by()
        .values_list("day", "segment", "band")
        .annotate(n=Count("id"))
    )
    sums = (
        HealthDay.objects.filter(day__in=days)
        .order_by()
        .values_list("day", "segment", "band")
        .annotate(n=Sum("accounts"))
    )
    return (
        {tuple(row[:3]): row[3] for row in snapshots},
        {tuple(row[:3]): row[3] for row in sums},
    )


@transaction.atomic
def health_days_write(days: Iterable[date]) -> int:
    """Replace the rollup rows of ``days`` with the sums of their snapshots (a day
    without snapshots keeps no row); returns how many rows were written."""
    wanted = sorted(set(days))
    written = 0
    for start in range(0, len(wanted), DAYS_PER_QUERY):
        chunk = wanted[start : start + DAYS_PER_QUERY]
        HealthDay.objects.filter(day__in=chunk).delete()
        rows = [
            HealthDay(**dict(zip(ROW, key, strict=True)), accounts=n, annual_value=value or 0)
            for key, (n, value) in _sums(chunk).items()
        ]
        HealthDay.objects.bulk_create(rows, batch_size=500)
        written += len(rows)
    return written


def snapshot_days_all() -> list[date]:
    return list(HealthSnapshot.objects.order_by("day").values_list("day", flat=True).distinct())


def health_days_rebuild() -> int:
    """Every day's rollup rewritten from the snapshots (and days without any dropped)."""
    days = snapshot_days_all()  # a DISTINCT over every snapshot: read once
    with transaction.atomic():
        HealthDay.objects.exclude(day__in=days).delete()
        return health_days_write(days)


def health_days_check() -> list[date]:
    """The days whose sums count other accounts per segment and band than their
    snapshots do, or that have sums and no snapshots: empty when the history the
    insights show is whole. (A repair sums them again with the accounts' values,
    currencies and lifecycles of now.)"""
    days = sorted(set(snapshot_days_all()) | set(HealthDay.objects.values_list("day", flat=True)))
    wrong = []
    for start in range(0, len(days), DAYS_PER_QUERY):
        chunk = days[start : start + DAYS_PER_QUERY]
        counted, summed = _counts(chunk)
        for day in chunk:
            mine = {k: n for k, n in counted.items() if k[0] == day}
            kept = {k: n for k, n in summed.items() if k[0] == day and n}
            if mine != kept:
                wrong.append(day)
    return wrong


def account_marks_differing() -> list[int]:
    """The accounts whose row's band and segment are not their latest score's (or
    are set when they have none): what ``amends verify`` checks."""
    scored = Account.objects.filter(health__isnull=False).exclude(
        health_band=F("health__band"), health_segment=F("health__segment")
    )
    unscored = Account.objects.filter(health__isnull=True).exclude(
        health_band="", health_segment=""
    )
    return sorted({*scored.values_list("pk", flat=True), *unscored.values_list("pk", flat=True)})


@transaction.atomic
def account_marks_rewrite(account_ids: list[int]) -> int:
    """Copy the latest score's band and segment onto these accounts' rows again."""
    health = AccountHealth.objects.filter(account=OuterRef("pk"))
    return Account.objects.filter(pk__in=account_ids).update(
        health_band=Coalesce(Subquery(health.values("band")[:1]), Value("")),
        health_segment=Coalesce(Subquery(health.values("segment")[:1]), Value("")),
    )
