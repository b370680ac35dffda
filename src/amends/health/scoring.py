"""How measures become points, points a score, and a score a band, a segment, a trend.

Pure functions over plain values; the queries are in ``measures.py``, the writes in
``services.py``.

**The score runs from 0 to 100 and high means healthy.** Each enabled factor maps its
measure to 0 to 100 points (hard thresholds or a linear range, see ``HealthFactor``).
The score is the weighted mean of those points, rounded half up, where a factor's
weight is its tier's weight when the account's tier has one, else its default weight.
A factor with no data for the account (no NPS answer in the window, say) is left out
and the others' weights are renormalised, so missing data neither helps nor hurts.
An account with no data for any factor gets **no score at all**: a made-up number
would look like knowledge, and "no score" tells the team to go and find out.
"""

import json
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from amends.health.models import Band, HealthSettings, Mapping, NpsCategory, Segment, Trend

PROMOTER = NpsCategory.PROMOTER
PASSIVE = NpsCategory.PASSIVE
DETRACTOR = NpsCategory.DETRACTOR

# Complaints that make an account unhappy are counted over this many days (the
# setting's label says 90 days), whatever the complaints factor's own window.
SEGMENT_COMPLAINT_DAYS = 90


@dataclass(frozen=True)
class FactorSpec:
    """A HealthFactor as plain values, with its weights per tier."""

    key: str
    mapping: str
    weight: int
    thresholds: list = field(default_factory=list)
    linear_worst: float | None = None
    linear_best: float | None = None
    window_days: int = 90
    tier_weights: dict[str, int] = field(default_factory=dict)

    def weight_for(self, tier: str) -> int:
        return self.tier_weights.get(tier, self.weight)


def _round(value: float) -> int:
    # Half up, not Python's half to even: 62.5 points are 63, as people expect.
    return int(value + 0.5)


def points_for(spec: FactorSpec, measure: float) -> int:
    """The 0 to 100 points a measure is worth under the factor's mapping."""
    if spec.mapping == Mapping.LINEAR:
        worst, best = spec.linear_worst, spec.linear_best
        if worst is None or best is None or worst == best:
            raise ValueError(f"factor {spec.key}: a linear range needs two different ends")
        share = (measure - worst) / (best - worst)
        return _round(100 * min(1.0, max(0.0, share)))
    if not spec.thresholds:
        raise ValueError(f"factor {spec.key}: no thresholds")
    for bound, points in spec.thresholds:
        if bound is None or measure <= bound:
            return _round(points)
    # Above every bound and no catch-all: the last (highest) bound's points.
    return _round(spec.thresholds[-1][1])


@dataclass(frozen=True)
class Scored:
    score: int | None
    # key -> {"measure", "points", "weight"}; measure and points are None with no data.
    factors: dict[str, dict]


def score_compute(
    specs: list[FactorSpec],
    measures: dict[str, float | None],
    tier: str,
    *,
    weights: list[int] | None = None,
) -> Scored:
    """``weights``: each spec's weight for the tier, when the caller worked them out once."""
    if weights is None:
        weights = [spec.weight_for(tier) for spec in specs]
    total = counted = 0
    factors: dict[str, dict] = {}
    for spec, weight in zip(specs, weights, strict=True):
        measure = measures.get(spec.key)
        if measure is None:
            factors[spec.key] = {"measure": None, "points": None, "weight": weight}
            continue
        points = points_for(spec, measure)
        factors[spec.key] = {
            "measure": round(float(measure), 2),
            "points": points,
            "weight": weight,
        }
        total += points * weight
        counted += weight
    score = _round(total / counted) if counted else None
    return Scored(score=score, factors=factors)


FRAGMENTS_KEPT = 2_000  # per factor: the (measure, weight) pairs whose points are kept


class Scorer:
    """``score_compute`` for a whole book: the score, and the factors already written
    as the JSON the rescore stores (compact, the factors in the specs' order).

    Each factor's points and its piece of JSON are worked out once per (measure,
    weight) and then looked up: most measures are whole counts and days, or averages
    of a few small answers, and repeat from account to account. The JSON is
    ``json.dumps``'s own for each factor, joined: the same text ``CompactJSON`` writes
    for the whole dictionary, without building it. On the bench's 87,690 accounts:
    0.34 s of CPU against 1.06 s for ``score_compute`` and the encoder."""

    def __init__(self, specs: list[FactorSpec]):
        self.specs = specs
        self.keys = [spec.key for spec in specs]
        self.known: list[dict[tuple[float | None, int], tuple[int | None, str]]] = [
            {} for _ in specs
        ]

    def _factor(self, index: int, measure: float | None, weight: int) -> tuple[int | None, str]:
        spec = self.specs[index]
        points = None if measure is None else points_for(spec, measure)
        entry = {
            "measure": None if measure is None else round(float(measure), 2),
            "points": points,
            "weight": weight,
        }
        text = json.dumps({spec.key: entry}, separators=(",", ":"))[1:-1]
        if len(self.known[index]) < FRAGMENTS_KEPT:
            self.known[index][measure, weight] = (points, text)
        return points, text

    def score(
        self, measures: dict[str, float | None], weights: list[int]
    ) -> tuple[int | None, str]:
        """The score (None without data) and the factors as JSON text."""
        total = counted = 0
        parts = []
        for index, (key, weight, known) in enumerate(
            zip(self.keys, weights, self.known, strict=True)
        ):
            measure = measures.get(key)
            found = known.get((measure, weight))
            points, text = found if found is not None else self._factor(index, measure, weight)
            parts.append(text)
            if points is not None:
                total += points * weight
                counted += weight
        score = _round(total / counted) if counted else None
        return score, "{" + ",".join(parts) + "}"


def band_for(score: int, settings: HealthSettings) -> str:
    if score < settings.red_below:
        return Band.RED
    if score >= settings.green_from:
        return Band.GREEN
    return Band.YELLOW


def nps_category(answer: float | None) -> str:
    """Promoter 9-10, passive 7-8, detractor 0-6; empty without an answer."""
    if answer is None:
        return ""
    if answer >= 9:
        return PROMOTER
    if answer >= 7:
        return PASSIVE
    return DETRACTOR


def segment_for(
    *,
    category: str,
    complaints: int,
    referred: bool,
    days_since_touch: int | None,
    settings: HealthSettings,
) -> str:
    """Bell's three kinds of customer, decided in this order:

    1. **Unhappy**: the latest NPS answer is a detractor's (0-6), or the account made
       at least ``unhappy_complaints`` complaints in the last 90 days.
    2. **Loyal**: otherwise, the latest NPS answer is a promoter's (9-10) and the
       account has given a referral (ever), or has been in touch within
       ``loyal_needs_referral_or_touch_days`` days. A promoter gone quiet is not loyal.
    3. **Satisfied but at risk**: everyone else: passives, quiet promoters, and
       accounts never asked. Satisfied is not loyal; they stay until someone offers
       more, cheaper or different.
    """
    if category == DETRACTOR or complaints >= settings.unhappy_complaints:
        return Segment.UNHAPPY
    engaged = referred or (
        days_since_touch is not None
        and days_since_touch <= settings.loyal_needs_referral_or_touch_days
    )
    if category == PROMOTER and engaged:
        return Segment.LOYAL
    return Segment.AT_RISK


def trend_for(score: int, previous: int | None) -> str:
    """Up, down or flat against the snapshot at least seven days older; empty without one."""
    if previous is None:
        return ""
    if score > previous:
        return Trend.UP
    if score < previous:
        return Trend.DOWN
    return Trend.FLAT


# -- cooling ---------------------------------------------------------------------

FALLING = "falling"
SILENT = "silent"
LAPSING = "lapsing"


def cooling_text(entry: dict) -> str:
    """One cooling reason in words, in the current language."""
    kind = entry.get("kind")
    if kind == FALLING:
        return _("The score fell %(points)s points in %(days)s days.") % entry
    if kind == SILENT:
        return _("No touch for %(days)s days.") % entry
    if kind == LAPSING:
        return _("Probably no longer buying: %(percent)s%% chance still active.") % {
            "percent": _round(100 * entry["p_alive"])
        }
    return str(kind)
