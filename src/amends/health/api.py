from datetime import date, datetime

from ninja import Router, Schema

from amends.accounts.selectors import account_get_for
from amends.core.api import ERRORS
from amends.health.models import AccountHealth
from amends.health.scoring import cooling_text
from amends.health.selectors import health_factor_lines, health_history

router = Router(tags=["health"])


class FactorOut(Schema):
    key: str
    label: str
    measure: float | None
    points: int | None
    weight: int
    share: int | None
    window_days: int | None


class CoolingOut(Schema):
    kind: str
    text: str
    details: dict


class SnapshotOut(Schema):
    day: date
    score: int
    band: str


class HealthOut(Schema):
    account_id: int
    score: int | None
    band: str | None
    segment: str | None
    nps_category: str
    trend: str
    previous_score: int | None
    factors: list[FactorOut]
    cooling: list[CoolingOut]
    last_touch_at: datetime | None
    p_alive: float | None
    expected_purchases_90_days: float | None
    scored_at: datetime | None
    history: list[SnapshotOut]


@router.get(
    "/accounts/{account_id}/health",
    response={200: HealthOut, **ERRORS},
    summary="An account's health",
    description="The latest score (0 to 100, high = healthy) with its band, segment and "
    "trend (up, down or flat against the snapshot at least a week older), each factor's "
    "measure, points and weight (share: its part of the score once factors without data "
    "are left out), cooling, and the daily snapshots of the last 90 days, newest first. "
    "An account with no data has no score: score, band and segment are null.",
)
def health_get(request, account_id: int):
    account = account_get_for(user=request.user, account_id=account_id)
    health = AccountHealth.objects.filter(account_id=account.pk).first()
    history = health_history(account_id=account.pk)
    if health is None:
        return {
            "account_id": account.pk,
            "score": None,
            "band": None,
            "segment": None,
            "nps_category": "",
            "trend": "",
            "previous_score": None,
            "factors": [],
            "cooling": [],
            "last_touch_at": None,
            "p_alive": None,
            "expected_purchases_90_days": None,
            "scored_at": None,
            "history": history,
        }
    return {
        "account_id": account.pk,
        "score": health.score,
        "band": health.band,
        "segment": health.segment,
        "nps_category": health.nps_category,
        "trend": health.trend,
        "previous_score": health.previous_score,
        "factors": [line.__dict__ for line in health_factor_lines(health)],
        "cooling": [
            {
                "kind": entry.get("kind", ""),
                "text": cooling_text(entry),
                "details": {k: v for k, v in entry.items() if k != "kind"},
            }
            for entry in health.cooling
        ],
        "last_touch_at": health.last_touch_at,
        "p_alive": health.p_alive,
        "expected_purchases_90_days": health.expected_purchases,
        "scored_at": health.scored_at,
        "history": history,
    }
