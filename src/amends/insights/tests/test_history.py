"""Accounts per segment and revenue at risk over time, from hand-made daily snapshots
summed as the rescore sums them (``health_days_rebuild``, as after an upgrade).

The snapshots (band/segment; "—" is a snapshot from before segments were kept):

    account             03-02           03-05       03-08           03-12       03-25
    P North 1000 EUR    green/loyal     red/unhappy yellow/at_risk  red/unhappy green/loyal
    Q North  500 EUR    yellow/at_risk              yellow/at_risk  green/loyal red/at_risk
    R North 2000 USD    red/unhappy                 green/loyal     green/loyal green/loyal
    S North  700 EUR    red/unhappy                 red/unhappy
      (churned now)
    U North   50 EUR    red/—
    T South  300 EUR                                red/unhappy

and two days outside every period below: 02-28 (R red) and 04-07 (P red).
"""

from datetime import UTC, date, datetime

import pytest

from amends.accounts.models import Account
from amends.health.models import AccountHealth, HealthSnapshot
from amends.health.rollups import health_days_rebuild
from amends.insights import history as figures

# 37 days, so one sampled day per ISO week: the weeks start on 02-24, 03-03, 03-10,
# 03-17, 03-24 and 03-31; 03-17 to 03-23 and 03-31 to 04-06 have no snapshot.
WEEKS = {"start": date(2025, 3, 1), "end": date(2025, 4, 6)}
SNAPSHOTS = {
    "P": {2: ("green", "loyal"), 5: ("red", "unhappy"), 8: ("yellow", "at_risk"),
          12: ("red", "unhappy"), 25: ("green", "loyal")},
    "Q": {2: ("yellow", "at_risk"), 8: ("yellow", "at_risk"), 12: ("green", "loyal"),
          25: ("red", "at_risk")},
    "R": {2: ("red", "unhappy"), 8: ("green", "loyal"), 12: ("green", "loyal"),
          25: ("green", "loyal")},
    "S": {2: ("red", "unhappy"), 8: ("red", "unhappy")},
    "U": {2: ("red", "")},
    "T": {8: ("red", "unhappy")},
}  # fmt: skip


@pytest.fixture
def history(people):
    north, south = people.north, people.south
    accounts = {
        "P": Account.objects.create(team=north, name="P", annual_value=1000, currency="EUR"),
        "Q": Account.objects.create(team=north, name="Q", annual_value=500, currency="EUR"),
        "R": Account.objects.create(team=north, name="R", annual_value=2000, currency="USD"),
        "S": Account.objects.create(
            team=north, name="S", annual_value=700, currency="EUR", lifecycle="churned"
        ),
        "U": Account.objects.create(team=north, name="U", annual_value=50, currency="EUR"),
        "T": Account.objects.create(team=south, name="T", annual_value=300, currency="EUR"),
    }
    for name, days in SNAPSHOTS.items():
        for day, (band, segment) in days.items():
            HealthSnapshot.objects.create(
                account=accounts[name],
                day=date(2025, 3, day),
                score=50,
                band=band,
                segment=segment,
            )
    HealthSnapshot.objects.create(account=accounts["R"], day=date(2025, 2, 28), score=9, band="red")
    HealthSnapshot.objects.create(account=accounts["P"], day=date(2025, 4, 7), score=9, band="red")
    # The latest rescore: P is satisfied but at risk now, the others loyal.
    for name, account in accounts.items():
        AccountHealth.objects.create(
            account=account,
            score=50,
            band="yellow",
            segment="at_risk" if name == "P" else "loyal",
            scored_at=datetime(2025, 4, 7, tzinfo=UTC),
        )
    health_days_rebuild()
    return people


def test_it_samples_the_last_snapshot_day_of_each_week_or_every_day(history):
    sampling, days = figures.snapshot_days(**WEEKS)
    assert (sampling, [d.day for d in days]) == ("week", [2, 8, 12, 25])
    sampling, days = figures.snapshot_days(start=date(2025, 3, 1), end=date(2025, 3, 31))
    assert (sampling, [d.day for d in days]) == ("day", [2, 5, 8, 12, 25])


def test_it_counts_accounts_per_segment_on_the_sampled_days(history):
    result = figures.segments_over_time(teams={history.north.pk}, **WEEKS)

    # 03-02, 03-08 (not 03-05: the week's last), 03-12, 03-25. U's blank segment and
    # South's T are not counted.
    assert result["sampling"] == "week"
    assert result["by_day"] == [
        {"day": "2025-03-02", "loyal": 1, "at_risk": 1, "unhappy": 2},
        {"day": "2025-03-08", "loyal": 1, "at_risk": 2, "unhappy": 1},
        {"day": "2025-03-12", "loyal": 2, "at_risk": 0, "unhappy": 1},
        {"day": "2025-03-25", "loyal": 2, "at_risk": 1, "unhappy": 0},
    ]
    assert "ISO week" in result["definition"]


def test_it_sums_revenue_at_risk_per_currency_on_the_sampled_days(history):
    result = figures.revenue_at_risk_over_time(teams={history.north.pk}, **WEEKS)

    # 03-02: Q at risk 500 + U red 50 (EUR), R red 2000 (USD); S is churned now.
    # 03-08: P and Q at risk, 1500 EUR. 03-12: P red, 1000. 03-25: Q red, 500.
    assert result["days"] == ["2025-03-02", "2025-03-08", "2025-03-12", "2025-03-25"]
    assert result["by_currency"] == {
        "EUR": [
            {"day": "2025-03-02", "total": "550.00", "accounts": 2},
            {"day": "2025-03-08", "total": "1500.00", "accounts": 2},
            {"day": "2025-03-12", "total": "1000.00", "accounts": 1},
            {"day": "2025-03-25", "total": "500.00", "accounts": 1},
        ],
        "USD": [
            {"day": "2025-03-02", "total": "2000.00", "accounts": 1},
            {"day": "2025-03-08", "total": "0.00", "accounts": 0},
            {"day": "2025-03-12", "total": "0.00", "accounts": 0},
            {"day": "2025-03-25", "total": "0.00", "accounts": 0},
        ],
    }
    # Every team: South's T joins 03-08.
    everyone = figures.revenue_at_risk_over_time(teams=None, **WEEKS)["by_currency"]["EUR"][1]
    assert everyone == {"day": "2025-03-08", "total": "1800.00", "accounts": 3}


def test_it_reads_every_snapshot_day_of_a_short_period(history):
    week = {"start": date(2025, 3, 3), "end": date(2025, 3, 9)}
    result = figures.segments_over_time(teams={history.north.pk}, **week)
    assert result["sampling"] == "day"
    # P alone on 03-05: no other account has a snapshot that day.
    assert result["by_day"] == [
        {"day": "2025-03-05", "loyal": 0, "at_risk": 0, "unhappy": 1},
        {"day": "2025-03-08", "loyal": 1, "at_risk": 2, "unhappy": 1},
    ]


def test_it_counts_only_the_accounts_in_the_chosen_segment_on_each_day(history):
    # Satisfied but at risk: Q on 03-02, P and Q on 03-08, nobody on 03-12, Q on 03-25.
    segments = figures.segments_over_time(teams=None, segment="at_risk", **WEEKS)
    assert [(d["loyal"], d["at_risk"], d["unhappy"]) for d in segments["by_day"]] == [
        (0, 1, 0),
        (0, 2, 0),
        (0, 0, 0),
        (0, 1, 0),
    ]
    assert "chosen segment on each sampled day" in segments["definition"]
    revenue = figures.revenue_at_risk_over_time(teams=None, segment="at_risk", **WEEKS)
    assert [p["total"] for p in revenue["by_currency"]["EUR"]] == [
        "500.00",
        "1500.00",
        "0.00",
        "500.00",
    ]
    assert list(revenue["by_currency"]) == ["EUR"]
    # Unhappy: R and S (churned now, but counted among the segments), S and South's T, P.
    unhappy = figures.segments_over_time(teams=None, segment="unhappy", **WEEKS)["by_day"]
    assert [d["unhappy"] for d in unhappy] == [2, 2, 1, 0]
