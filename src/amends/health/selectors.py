"""Reads for the account page, the account list and the API."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max, Sum

from amends.accounts.models import Account
from amends.health.models import (
    AccountHealth,
    FactorKey,
    HealthFactor,
    HealthSnapshot,
    RevenueAtRisk,
)
from amends.health.scoring import cooling_text
from amends.people.access import READ, team_ids_for
from amends.people.models import User

HISTORY_DAYS = 90


@dataclass(frozen=True)
class FactorLine:
    key: str
    label: str
    measure: float | None
    points: int | None
    weight: int
    # The weight's share of the score, in %, after leaving out factors without data.
    share: int | None
    window_days: int | None


@dataclass(frozen=True)
class HealthExplained:
    health: AccountHealth | None
    factors: list[FactorLine]
    cooling: list[str]
    history: list[HealthSnapshot]


# Factors whose window is not part of what they measure (see measures.py).
_NO_WINDOW = {FactorKey.DAYS_SINCE_TOUCH}


def health_factor_lines(health: AccountHealth) -> list[FactorLine]:
    windows = dict(HealthFactor.objects.values_list("key", "window_days"))
    counted = sum(f["weight"] for f in health.factors.values() if f.get("points") is not None)
    lines = []
    for key, factor in health.factors.items():
        has_data = factor.get("points") is not None
        share = round(100 * factor["weight"] / counted) if has_data and counted else None
        lines.append(
            FactorLine(
                key=key,
                label=str(FactorKey(key).label) if key in FactorKey.values else key,
                measure=factor.get("measure"),
                points=factor.get("points"),
                weight=factor["weight"],
                share=share,
                window_days=None if key in _NO_WINDOW else windows.get(key),
            )
        )
    return lines


def health_history(*, account_id: int, days: int = HISTORY_DAYS) -> list[HealthSnapshot]:
    """The account's daily snapshots, newest first."""
    return list(HealthSnapshot.objects.filter(account_id=account_id).order_by("-day")[:days])


def account_health_explain(*, account: Account) -> HealthExplained:
    health = AccountHealth.objects.filter(account_id=account.pk).first()
    if health is None:
        return HealthExplained(health=None, factors=[], cooling=[], history=[])
    return HealthExplained(
        health=health,
        factors=health_factor_lines(health),
        cooling=[cooling_text(entry) for entry in health.cooling],
        history=health_history(account_id=account.pk, days=30),
    )


@dataclass(frozen=True)
class RevenueTotal:
    currency: str
    total: Decimal
    accounts: int


@dataclass(frozen=True)
class RevenueAtRiskSummary:
    totals: list[RevenueTotal]
    computed_at: datetime | None


def revenue_at_risk(*, user: User | AnonymousUser, team: int | None = None) -> RevenueAtRiskSummary:
    """Revenue at risk in the teams ``user`` can see (or in ``team``), per currency: the
    annual value of the accounts whose health is red or whose segment is satisfied but
    at risk, churned and parting accounts left out, as of the last rescore. A sum
    across currencies would mean nothing, so there is one total per currency."""
    rows = RevenueAtRisk.objects.all()
    visible = team_ids_for(user, READ)
    if visible is not None:
        rows = rows.filter(team_id__in=visible)
    if team:
        rows = rows.filter(team_id=team)
    totals = list(
        rows.order_by()
        .values("currency")
        .annotate(sum=Sum("total"), count=Sum("accounts"), at=Max("computed_at"))
        .order_by("-sum", "currency")
    )
    return RevenueAtRiskSummary(
        totals=[RevenueTotal(row["currency"], row["sum"], row["count"]) for row in totals],
        computed_at=max((row["at"] for row in totals), default=None),
    )
