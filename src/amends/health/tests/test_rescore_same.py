"""The rescore gives the same scores as before on a fixed book of accounts.

``rescore_same.json`` holds what the rescore wrote for this book (every account's
score, band, segment, factors, cooling and forecast, the snapshots, the band and
segment on the account rows, revenue at risk, the thaw cases the rules opened)
when it still read every signal into Python (commit a8c6a2e). A faster rescore
must write the same. To see what differs, run this test with ``-vv``.
"""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from amends.accounts.models import Account
from amends.accounts.services import account_create
from amends.health.models import AccountHealth, HealthSnapshot, RevenueAtRisk
from amends.health.services import health_rescore
from amends.recovery.models import Commitment, Playbook, RecoveryCase
from amends.recovery.opening import case_open
from amends.signals.models import Signal
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).with_name("rescore_same.json")
NOW = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
KINDS = [
    "usage",
    "meeting",
    "ticket_opened",
    "ticket_closed",
    "nps",
    "csat",
    "complaint",
    "praise",
    "late_payment",
    "order",
    "referral",
    "webinar_attended",
]


def book(people) -> None:
    """60 business accounts in two teams and 40 consumer buyers in one, with two
    years of signals from a seeded generator; some accounts quiet, some silent, some
    with promises (one of them never heard from otherwise)."""
    rng = np.random.default_rng(13)
    actor = Actor.system()
    tiers = ["strategic", "key", "standard", "small"]
    lifecycles = ["active", "active", "active", "won_back", "at_risk", "churned", "parting"]
    signals = []
    number = 0
    for n in range(100):
        consumer = n >= 60
        account = account_create(
            actor=actor,
            team=people.north if consumer or n % 3 else people.south,
            name=f"Book {n:03d}",
            kind="consumer" if consumer else "business",
            tier=tiers[n % 4],
            lifecycle=lifecycles[n % 7],
            annual_value=Decimal(1000 * (n % 13) + 250) + Decimal("0.50"),
            currency=["EUR", "USD", "PLN"][n % 3],
        )
        if n % 17 == 5:
            continue  # never heard from
        count = int(rng.integers(3, 60))
        quiet_since = float(rng.uniform(0, 200)) if n % 5 == 0 else 0.0
        for _ in range(count):
            days_ago = quiet_since + float(rng.uniform(0, 700))
            kind = "order" if consumer and rng.random() < 0.6 else KINDS[int(rng.integers(0, 12))]
            value: object = None
            metric = ""
            currency = ""
            if kind == "nps":
                value = int(rng.integers(0, 11))
            elif kind == "csat":
                value = int(rng.integers(1, 6))
            elif kind == "usage":
                value = int(rng.integers(1, 500))
                metric = ["logins", "reports"][int(rng.integers(0, 2))]
            elif kind == "order":
                value = round(float(rng.lognormal(4, 1)), 2)
                currency = "EUR"
            at = NOW - timedelta(days=days_ago)
            number += 1
            signals.append(
                Signal(
                    account=account,
                    kind=kind,
                    at=at,
                    source="book",
                    external_id=f"b-{number}",
                    value=value,
                    metric=metric,
                    currency=currency,
                    created_at=at + timedelta(minutes=int(rng.integers(1, 600))),
                )
            )
    Signal.objects.bulk_create(signals)
    mistake = Playbook.objects.get(kind="mistake")
    promises = [("Book 007", -3, "open"), ("Book 008", 10, "open"), ("Book 009", -20, "kept")]
    promises += [("Book 022", -1, "open"), ("Book 030", -100, "open")]
    for name, due_in_days, status in promises:
        account = Account.objects.get(name=name)
        case = case_open(actor=actor, account=account, playbook=mistake, severity=3)
        Commitment.objects.create(
            case=case,
            what="Reprint",
            measure="Delivered",
            owner=people.agent,
            due_at=NOW + timedelta(days=due_in_days),
            status=status,
        )


def written() -> dict:
    def when(moment):
        return moment.isoformat() if moment else None

    def rounded(number):
        return None if number is None else round(number, 6)

    name = dict(Account.objects.values_list("pk", "name"))
    health = {
        name[h.account_id]: {
            "score": h.score,
            "band": h.band,
            "segment": h.segment,
            "nps_category": h.nps_category,
            "factors": h.factors,
            "last_touch_at": when(h.last_touch_at),
            "p_alive": rounded(h.p_alive),
            "expected_purchases": rounded(h.expected_purchases),
            "cooling": h.cooling,
            "previous_score": h.previous_score,
            "trend": h.trend,
            "scored_at": when(h.scored_at),
        }
        for h in AccountHealth.objects.all()
    }
    snapshots = sorted(
        [name[s.account_id], s.day.isoformat(), s.score, s.band, s.segment]
        for s in HealthSnapshot.objects.all()
    )
    marks = sorted(
        list(row) for row in Account.objects.values_list("name", "health_band", "health_segment")
    )
    at_risk = sorted(
        [r.team.slug, r.currency, str(r.total), r.accounts] for r in RevenueAtRisk.objects.all()
    )
    cases = sorted(
        [name[c.account_id], c.reason] for c in RecoveryCase.objects.filter(playbook__kind="thaw")
    )
    return {
        "health": health,
        "snapshots": snapshots,
        "marks": marks,
        "at_risk": at_risk,
        "cases": cases,
    }


def test_it_writes_the_same_scores_as_before_on_a_fixed_book(people):
    book(people)
    runs = {}
    for label, now in [
        ("first", NOW),
        ("next day", NOW + timedelta(days=1)),
        ("a week later", NOW + timedelta(days=8)),
        ("a month later", NOW + timedelta(days=31)),
    ]:
        result = health_rescore(now=now)
        runs[label] = {
            "result": {
                "scored": result.scored,
                "unscored": result.unscored,
                "bands": dict(sorted(result.bands.items())),
                "segments": dict(sorted(result.segments.items())),
                "cooling": result.cooling,
                "forecasts": result.forecasts,
                "teams_fitted": result.teams_fitted,
                "cases_opened": result.cases_opened,
            },
            "written": written(),
        }
    runs = json.loads(json.dumps(runs))  # as the file keeps them: lists, not tuples
    if not GOLDEN.exists():  # pragma: no cover - how the file was made, once
        GOLDEN.write_text(json.dumps(runs, indent=1, sort_keys=True) + "\n")
    golden = json.loads(GOLDEN.read_text())
    for label in golden:
        assert runs[label]["result"] == golden[label]["result"], label
        for part in golden[label]["written"]:
            assert runs[label]["written"][part] == golden[label]["written"][part], (label, part)
