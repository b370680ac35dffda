import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from amends.health.bgnbd import (
    BgNbdParams,
    bgnbd_expected_purchases,
    bgnbd_fit,
    bgnbd_log_likelihood,
    bgnbd_probability_alive,
)

# Fader, Hardie & Lee (2005), section 5: the CDNOW estimates and log-likelihood.
PUBLISHED = (0.243, 4.414, 0.793, 2.426)
PUBLISHED_LL = -9582.4


def cdnow() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Locate the file without importing lifetimes, which drags in pandas and autograd.
    spec = importlib.util.find_spec("lifetimes")
    assert spec is not None and spec.submodule_search_locations
    path = Path(next(iter(spec.submodule_search_locations)))
    with (path / "datasets" / "cdnow_customers_summary.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(np.array([float(row[k]) for row in rows]) for k in ("frequency", "recency", "T"))


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return cdnow()


@pytest.fixture(scope="module")
def fitted(data) -> BgNbdParams:
    return bgnbd_fit(*data)


def test_it_reproduces_the_published_cdnow_fit(data, fitted):
    assert fitted.customers == 2357
    got = (fitted.r, fitted.alpha, fitted.a, fitted.b)
    for value, published in zip(got, PUBLISHED, strict=True):
        assert value == pytest.approx(published, rel=0.01)
    assert fitted.log_likelihood == pytest.approx(PUBLISHED_LL, abs=0.5)
    assert bgnbd_log_likelihood(fitted, *data) == pytest.approx(fitted.log_likelihood)
    assert bgnbd_log_likelihood(PUBLISHED, *data) == pytest.approx(PUBLISHED_LL, abs=0.5)


def test_it_gives_the_same_fit_from_aggregated_rows(data, fitted):
    counts: dict[tuple[float, float, float], int] = {}
    for row in zip(*data, strict=True):
        counts[row] = counts.get(row, 0) + 1
    x, t_x, age = (np.array(column) for column in zip(*counts, strict=True))
    weights = np.array(list(counts.values()))
    assert len(weights) < fitted.customers

    aggregated = bgnbd_fit(x, t_x, age, weights=weights)

    assert aggregated.customers == fitted.customers
    assert aggregated.log_likelihood == pytest.approx(fitted.log_likelihood, abs=1e-6)
    assert aggregated.r == pytest.approx(fitted.r, rel=1e-3)
    assert aggregated.b == pytest.approx(fitted.b, rel=1e-3)


def test_it_counts_only_the_no_dropout_term_for_customers_without_repeat_purchases():
    r, alpha, _, _ = PUBLISHED
    # With x == 0 the likelihood is P(no purchase in (0, T]) = (alpha/(alpha+T))^r, whatever t_x.
    expected = r * np.log(alpha / (alpha + 10.0))
    assert bgnbd_log_likelihood(PUBLISHED, [0], [0], [10.0]) == pytest.approx(expected)
    assert bgnbd_log_likelihood(PUBLISHED, [0], [4.0], [10.0]) == pytest.approx(expected)


def test_it_is_sure_a_customer_without_repeat_purchases_is_alive(fitted, data):
    frequency, recency, age = data
    alive = bgnbd_probability_alive(fitted, frequency=frequency, recency=recency, T=age)
    assert np.all(alive[frequency == 0] == 1.0)
    assert np.all((alive >= 0) & (alive <= 1))
    assert bgnbd_probability_alive(fitted, frequency=0, recency=0, T=52.0) == 1.0


def test_it_grows_doubtful_as_a_frequent_buyer_stays_silent(fitted):
    ages = np.array([20.0, 25.0, 30.0, 40.0, 60.0])
    alive = bgnbd_probability_alive(fitted, frequency=10, recency=20.0, T=ages)
    assert alive[0] == pytest.approx(1 / (1 + fitted.a / (fitted.b + 9)))
    assert np.all(np.diff(alive) < 0)
    assert alive[-1] < 0.01


def test_it_matches_the_papers_expected_purchases_for_customer_one(fitted):
    # Section 5: customer 1 (x=2, t_x=30.43, T=38.86) expects 1.226 purchases in 39 weeks.
    history = {"frequency": 2, "recency": 30.43, "T": 38.86}
    assert bgnbd_expected_purchases(PUBLISHED, t=39, **history) == pytest.approx(1.226, abs=5e-4)
    assert bgnbd_expected_purchases(fitted, t=39, **history) == pytest.approx(1.226, abs=1e-3)


def test_it_expects_more_purchases_over_longer_horizons(fitted, data):
    frequency, recency, age = data
    horizons = np.array([1.0, 5.0, 10.0, 39.0, 78.0])
    expected = bgnbd_expected_purchases(
        fitted, t=horizons[:, None], frequency=frequency, recency=recency, T=age
    )
    assert expected.shape == (len(horizons), len(frequency))
    assert np.all(expected > 0)
    assert np.all(np.diff(expected, axis=0) > 0)
    assert bgnbd_expected_purchases(fitted, t=0, frequency=3, recency=10, T=20) == 0


def test_it_agrees_with_the_unconditional_forecast_for_a_new_customer(fitted):
    # A customer just acquired (x=0, t_x=0, T=0) expects eq. (9): E[X(t)] for a random customer.
    r, alpha, a, b = fitted.r, fitted.alpha, fitted.a, fitted.b
    t = 39.0
    rng = np.random.default_rng(7)
    n = 400_000
    rates = rng.gamma(r, 1 / alpha, n)
    dropout = rng.beta(a, b, n)
    # Simulate the model directly: purchases until a geometric number of transactions ends it.
    purchases = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    clock = np.zeros(n)
    while alive.any():
        clock[alive] += rng.exponential(1 / rates[alive])
        bought = alive & (clock <= t)
        purchases[bought] += 1
        alive = bought & (rng.random(n) >= dropout)
    expected = bgnbd_expected_purchases(fitted, t=t, frequency=0, recency=0, T=0)
    assert expected == pytest.approx(purchases.mean(), rel=0.03)


def test_it_handles_a_equal_to_one_without_losing_precision():
    history = {"frequency": 2, "recency": 30.43, "T": 38.86}
    around = [
        bgnbd_expected_purchases((0.243, 4.414, a, 2.426), t=39, **history)
        for a in (0.99, 1.0, 1.01)
    ]
    assert around[0] > around[1] > around[2]
    assert around[1] == pytest.approx((around[0] + around[2]) / 2, rel=1e-3)


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([], [], [], "no customers"),
        ([1, -1], [1, 1], [2, 2], "must not be negative"),
        ([1, 1], [1, -1], [2, 2], "must not be negative"),
        ([1, 1], [1, 3], [2, 2], "recency must not exceed T"),
        ([1, 1.5], [1, 1], [2, 2], "frequency must be a whole number"),
        ([1, 1], [1, 1], [2], "matching shapes"),
        ([1, float("nan")], [1, 1], [2, 2], "finite"),
    ],
)
def test_it_rejects_bad_histories(frequency, recency, T, message):
    with pytest.raises(ValueError, match=message):
        bgnbd_fit(frequency, recency, T)


def test_it_rejects_bad_weights_and_parameters():
    with pytest.raises(ValueError, match="one entry per row"):
        bgnbd_fit([1, 2], [1, 2], [3, 3], weights=[1])
    with pytest.raises(ValueError, match="non-negative whole numbers"):
        bgnbd_fit([1, 2], [1, 2], [3, 3], weights=[1, 0.5])
    with pytest.raises(ValueError, match="all weights are zero"):
        bgnbd_fit([1, 2], [1, 2], [3, 3], weights=[0, 0])
    with pytest.raises(ValueError, match="positive and finite"):
        bgnbd_log_likelihood((0.2, 4.0, -1.0, 2.0), [1], [1], [2])
    with pytest.raises(ValueError, match="forecast horizon"):
        bgnbd_expected_purchases(PUBLISHED, t=-1, frequency=1, recency=1, T=2)
    with pytest.raises(ValueError, match="recency must not exceed T"):
        bgnbd_probability_alive(PUBLISHED, frequency=1, recency=3, T=2)
