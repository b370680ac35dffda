"""Consumer accounts that order: BG/NBD per team, on their order history.

For each consumer account with at least one order: purchases are the distinct days
with an order; frequency is the repeat purchases (purchases - 1), recency the time
from the first to the last purchase, T the time from the first purchase to now, all
in weeks (counted in whole days). A team's model is fitted only when it has at
least ``MIN_CUSTOMERS`` such customers: with fewer, a fit says more about chance
than about the customers, so their probability of being active stays empty. A big
team's model is fitted on a fixed random sample of ``MAX_FIT_CUSTOMERS`` of them.

Note the model's view of one-off buyers: with no repeat purchase it has seen no
sign of drop-out, so their probability of being active is 1; their expected
purchases still fall as they age.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from amends.health.bgnbd import bgnbd_expected_purchases, bgnbd_fit, bgnbd_probability_alive
from amends.health.measures import Orders

logger = logging.getLogger(__name__)

MIN_CUSTOMERS = 30
MAX_FIT_CUSTOMERS = 5000
HORIZON_DAYS = 90
DAY = 86400.0


@dataclass(frozen=True)
class Forecast:
    p_alive: float
    expected_purchases: float  # in the next HORIZON_DAYS days


@dataclass(frozen=True)
class ConsumerForecasts:
    # Consumer accounts with at least one order, fitted or not: they are not judged by silence.
    buyers: set[int]
    forecasts: dict[int, Forecast]
    teams_fitted: int


def consumer_forecasts(*, now: datetime, histories: dict[int, list[Orders]]) -> ConsumerForecasts:
    """``histories``: each team's consumer buyers (``measures.consumer_orders``)."""
    forecasts: dict[int, Forecast] = {}
    buyers: set[int] = set()
    fitted = 0
    for team_id, rows in histories.items():
        buyers.update(row[0] for row in rows)
        if len(rows) < MIN_CUSTOMERS:
            continue
        ids = [row[0] for row in rows]
        x = np.array([row[1] - 1 for row in rows], dtype=float)
        first = np.array([row[2].timestamp() for row in rows])
        last = np.array([row[3].timestamp() for row in rows])
        # Whole days, in weeks: the unit of the fit and of the forecast.
        t_x = np.floor((last - first) / DAY) / 7
        age = np.floor((now.timestamp() - first) / DAY) / 7
        # Four population parameters need no more than a few thousand customers (the
        # CDNOW study fitted 2,357): fit on a fixed random sample of a big team, where
        # customers with the same history weigh as one row, then score every customer.
        sample = np.arange(len(rows))
        if len(rows) > MAX_FIT_CUSTOMERS:
            rng = np.random.default_rng(team_id)
            sample = np.sort(rng.choice(len(rows), MAX_FIT_CUSTOMERS, replace=False))
        unique, counts = np.unique(
            np.stack([x[sample], t_x[sample], age[sample]]), axis=1, return_counts=True
        )
        try:
            params = bgnbd_fit(unique[0], unique[1], unique[2], weights=counts)
        except (RuntimeError, ValueError) as error:
            logger.warning("BG/NBD fit for team %s failed: %s", team_id, error)
            continue
        fitted += 1
        alive = np.atleast_1d(bgnbd_probability_alive(params, frequency=x, recency=t_x, T=age))
        expected = np.atleast_1d(
            bgnbd_expected_purchases(params, t=HORIZON_DAYS / 7, frequency=x, recency=t_x, T=age)
        )
        for account_id, p, e in zip(ids, alive, expected, strict=True):
            if np.isfinite(p) and np.isfinite(e):
                forecasts[account_id] = Forecast(p_alive=float(p), expected_purchases=float(e))
    return ConsumerForecasts(buyers=buyers, forecasts=forecasts, teams_fitted=fitted)
