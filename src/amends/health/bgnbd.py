"""BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way") for Amends.

For consumer accounts with orders: is the customer still active, how many purchases to expect.
Each customer is x repeat purchases, t_x the time of the last one and T their age, in one unit.
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

__all__ = [
    "BgNbdParams",
    "bgnbd_expected_purchases",
    "bgnbd_fit",
    "bgnbd_log_likelihood",
    "bgnbd_probability_alive",
]

FloatOrArray = float | NDArray[np.float64]


@dataclass(frozen=True)
class BgNbdParams:
    """Fitted parameters: Gamma(r, alpha) purchase rates, Beta(a, b) drop-out probabilities."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    customers: int

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.r, self.alpha, self.a, self.b)


def _unpack(params: BgNbdParams | tuple[float, float, float, float]) -> tuple[float, ...]:
    values = params.as_tuple() if isinstance(params, BgNbdParams) else tuple(params)
    if len(values) != 4:
        raise ValueError("params must be (r, alpha, a, b)")
    if not all(np.isfinite(v) and v > 0 for v in values):
        raise ValueError("params r, alpha, a and b must all be positive and finite")
    return tuple(float(v) for v in values)


def _history(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, *, fitting: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    columns = [np.asarray(v, dtype=float) for v in (frequency, recency, T)]
    # A fit takes one row per customer; predictions may broadcast (e.g. one T for everyone).
    if fitting and len({c.shape for c in columns}) > 1:
        raise ValueError("frequency, recency and T must have matching shapes")
    try:
        x, t_x, age = np.broadcast_arrays(*columns)
    except ValueError as exc:
        raise ValueError("frequency, recency and T must have matching shapes") from exc
    if x.size == 0 and fitting:
        raise ValueError("no customers: frequency, recency and T are empty")
    if not (np.isfinite(x).all() and np.isfinite(t_x).all() and np.isfinite(age).all()):
        raise ValueError("frequency, recency and T must be finite numbers")
    if (x < 0).any() or (t_x < 0).any() or (age < 0).any():
        raise ValueError("frequency, recency and T must not be negative")
    if (x != np.round(x)).any():
        raise ValueError("frequency must be a whole number of repeat purchases")
    if (t_x > age).any():
        raise ValueError("recency must not exceed T (the customer's age)")
    return x, t_x, age


def _weights(weights: ArrayLike | None, n: int) -> NDArray[np.float64]:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError("weights must have one entry per row of frequency/recency/T")
    # Weights are customer counts for aggregated rows, so keep them whole and non-negative.
    if not np.isfinite(w).all() or (w < 0).any() or (w != np.round(w)).any():
        raise ValueError("weights must be non-negative whole numbers (customers per row)")
    if w.sum() == 0:
        raise ValueError("no customers: all weights are zero")
    return w


def _individual_ll(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: NDArray[np.float64],
    t_x: NDArray[np.float64],
    age: NDArray[np.float64],
) -> NDArray[np.float64]:
    # Eq. (6) in logs: ln A1 + ln(A2 + [x>0] A3), adding the two terms with logaddexp.
    log_a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    log_a2 = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + age)
    # The second term exists only when x > 0; b+x-1 would be invalid for x == 0 when b < 1.
    x_pos = np.maximum(x, 1.0)
    log_a3 = betaln(a + 1, b + x_pos - 1) - betaln(a, b) - (r + x) * np.log(alpha + t_x)
    log_a3 = np.where(x > 0, log_a3, -np.inf)
    return log_a1 + np.logaddexp(log_a2, log_a3)


def bgnbd_log_likelihood(
    params: BgNbdParams | tuple[float, float, float, float],
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    weights: ArrayLike | None = None,
) -> float:
    """Total log-likelihood of the histories under params (r, alpha, a, b)."""
    r, alpha, a, b = _unpack(params)
    x, t_x, age = _history(frequency, recency, T, fitting=True)
    x, t_x, age = x.ravel(), t_x.ravel(), age.ravel()
    w = _weights(weights, x.size)
    return float(np.dot(w, _individual_ll(r, alpha, a, b, x, t_x, age)))


def bgnbd_fit(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    weights: ArrayLike | None = None,
) -> BgNbdParams:
    """Maximum-likelihood fit; weights count identical customers when rows are aggregated."""
    x, t_x, age = _history(frequency, recency, T, fitting=True)
    x, t_x, age = x.ravel(), t_x.ravel(), age.ravel()
    w = _weights(weights, x.size)
    total = w.sum()

    def objective(log_params: NDArray[np.float64]) -> float:
        r, alpha, a, b = np.exp(log_params)
        value = -np.dot(w, _individual_ll(r, alpha, a, b, x, t_x, age)) / total
        # Steer the optimiser back when exp() over- or underflows at extreme parameters.
        return float(value) if np.isfinite(value) else 1e300

    # Optimise log-parameters so all four stay positive without bounds; the per-customer mean
    # keeps the objective's scale independent of the number of customers.
    result = minimize(
        objective,
        x0=np.zeros(4),
        method="L-BFGS-B",
        options={"maxiter": 1000, "ftol": 1e-14, "gtol": 1e-9},
    )
    fitted = np.exp(result.x)
    if not np.isfinite(result.fun) or result.fun >= 1e300 or not np.isfinite(fitted).all():
        raise RuntimeError(f"BG/NBD fit did not converge: {result.message}")
    r, alpha, a, b = (float(v) for v in fitted)
    return BgNbdParams(
        r=r,
        alpha=alpha,
        a=a,
        b=b,
        log_likelihood=-float(result.fun) * float(total),
        customers=int(total),
    )


def _scalar_or_array(values: NDArray[np.float64]) -> FloatOrArray:
    return float(values) if values.ndim == 0 else values


def _alive_odds_against(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: NDArray[np.float64],
    t_x: NDArray[np.float64],
    age: NDArray[np.float64],
) -> NDArray[np.float64]:
    # The odds the customer has already dropped out: a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x).
    x_pos = np.maximum(x, 1.0)
    odds = a / (b + x_pos - 1) * np.exp((r + x) * np.log((alpha + age) / (alpha + t_x)))
    return np.where(x > 0, odds, 0.0)


def bgnbd_probability_alive(
    params: BgNbdParams | tuple[float, float, float, float],
    *,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> FloatOrArray:
    """P(customer still active | x, t_x, T), eq. (12); 1 for customers with no repeat purchase."""
    r, alpha, a, b = _unpack(params)
    x, t_x, age = _history(frequency, recency, T, fitting=False)
    return _scalar_or_array(1.0 / (1.0 + _alive_odds_against(r, alpha, a, b, x, t_x, age)))


def _purchases_if_alive(
    r: float,
    alpha: float,
    a: float,
    b: float,
    horizon: NDArray[np.float64],
    x: NDArray[np.float64],
    age: NDArray[np.float64],
) -> NDArray[np.float64]:
    z = horizon / (alpha + age + horizon)
    shrink = np.exp((r + x) * np.log((alpha + age) / (alpha + age + horizon)))
    bracket = 1 - shrink * hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * bracket


def bgnbd_expected_purchases(
    params: BgNbdParams | tuple[float, float, float, float],
    *,
    t: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> FloatOrArray:
    """Expected purchases in the next t periods given history (x, t_x, T), eq. (10)."""
    r, alpha, a, b = _unpack(params)
    horizon = np.asarray(t, dtype=float)
    if not np.isfinite(horizon).all() or (horizon < 0).any():
        raise ValueError("t (the forecast horizon) must be a non-negative finite number")
    x, t_x, age = _history(frequency, recency, T, fitting=False)
    horizon, x, t_x, age = np.broadcast_arrays(horizon, x, t_x, age)
    step = 1e-4
    if abs(a - 1.0) < step:
        # At a == 1 both factors of the numerator vanish (0/0) and near it the bracket loses
        # all precision, so interpolate linearly between a = 1 ± step, where both are sound.
        low = _purchases_if_alive(r, alpha, 1.0 - step, b, horizon, x, age)
        high = _purchases_if_alive(r, alpha, 1.0 + step, b, horizon, x, age)
        numerator = low + (a - (1.0 - step)) / (2 * step) * (high - low)
    else:
        numerator = _purchases_if_alive(r, alpha, a, b, horizon, x, age)
    result = numerator / (1.0 + _alive_odds_against(r, alpha, a, b, x, t_x, age))
    return _scalar_or_array(np.asarray(result, dtype=float))
