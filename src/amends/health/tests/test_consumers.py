"""BG/NBD on consumer accounts' orders: who is probably still buying."""

from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from amends.accounts.services import account_create
from amends.health.bgnbd import bgnbd_expected_purchases, bgnbd_fit, bgnbd_probability_alive
from amends.health.models import AccountHealth
from amends.health.scoring import LAPSING, SILENT
from amends.health.services import health_rescore
from amends.signals.models import Signal
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db


def order_days(rng, *, start: int, stop: int, every: float) -> list[int]:
    """Days ago of orders from ``start`` days ago down to ``stop``, about every ``every`` days."""
    days, day = [], start
    while day >= stop:
        days.append(day)
        day -= max(1, int(rng.exponential(every)))
    return days


@pytest.fixture
def shop(people):
    """45 consumer buyers in team North, 5 in team South (too few to fit)."""
    rng = np.random.default_rng(7)
    north, south = Actor(user=people.agent, via="web"), Actor(user=people.outsider, via="web")
    histories = {}
    for n in range(45):
        account = account_create(actor=north, team=people.north, name=f"Buyer {n}", kind="consumer")
        if n < 30:  # steady: buying until lately
            days = order_days(
                rng, start=int(rng.integers(400, 700)), stop=int(rng.integers(0, 10)), every=20
            )
        elif n < 40:  # lapsed: bought often, then stopped a year ago
            days = order_days(rng, start=700, stop=360, every=14)
        else:  # bought once
            days = [int(rng.integers(30, 600))]
        histories[account] = days
    small = [
        account_create(actor=south, team=people.south, name=f"Southern {n}", kind="consumer")
        for n in range(5)
    ]
    for account in small:
        histories[account] = [300, 200, 100]
    now = timezone.now()
    Signal.objects.bulk_create(
        Signal(
            account=account,
            kind="order",
            at=now - timedelta(days=day),
            source="shop",
            external_id=f"{account.pk}-{i}",
            value=40,
        )
        for account, days in histories.items()
        for i, day in enumerate(days)
    )
    return histories, small


def test_it_fits_bg_nbd_per_team_and_stores_who_is_probably_still_buying(shop):
    histories, small = shop
    result = health_rescore(rules=False)
    assert result.teams_fitted == 1
    assert result.forecasts == 45

    north = {a: d for a, d in histories.items() if a not in small}
    x = np.array([len(d) - 1 for d in north.values()], dtype=float)
    t_x = np.array([max(d) - min(d) for d in north.values()], dtype=float) / 7
    age = np.array([max(d) for d in north.values()], dtype=float) / 7
    params = bgnbd_fit(x, t_x, age)
    alive = bgnbd_probability_alive(params, frequency=x, recency=t_x, T=age)
    expected = bgnbd_expected_purchases(params, t=90 / 7, frequency=x, recency=t_x, T=age)

    stored = {h.account_id: h for h in AccountHealth.objects.filter(account__in=list(north))}
    for n, account in enumerate(north):
        assert stored[account.pk].p_alive == pytest.approx(alive[n], abs=1e-3)
        assert stored[account.pk].expected_purchases == pytest.approx(
            expected[n], rel=0.01, abs=1e-4
        )

    steady, lapsed = list(north)[:30], list(north)[30:40]
    assert all(stored[a.pk].p_alive > 0.5 for a in steady)
    assert all(stored[a.pk].p_alive < 0.5 for a in lapsed)
    assert min(stored[a.pk].expected_purchases for a in steady) > max(
        stored[a.pk].expected_purchases for a in lapsed
    )
    for account in lapsed:
        kinds = [entry["kind"] for entry in stored[account.pk].cooling]
        assert kinds == [LAPSING]  # not "silent": buyers are judged by the model


def test_it_does_not_trust_a_fit_on_too_few_buyers(shop):
    _, small = shop
    health_rescore(rules=False)
    for health in AccountHealth.objects.filter(account__in=small):
        assert health.p_alive is None and health.expected_purchases is None
        assert SILENT not in [entry["kind"] for entry in health.cooling]
