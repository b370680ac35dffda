"""From measure to points to score, with the factors the migration ships."""

import pytest

from amends.health.models import Band, HealthSettings, Segment, Trend
from amends.health.scoring import (
    DETRACTOR,
    PASSIVE,
    PROMOTER,
    FactorSpec,
    band_for,
    nps_category,
    points_for,
    score_compute,
    segment_for,
    trend_for,
)
from amends.health.services import factor_specs

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped() -> dict[str, FactorSpec]:
    return {spec.key: spec for spec in factor_specs()}


@pytest.mark.parametrize(
    ("answer", "points"), [(0, 0), (6, 0), (6.5, 60), (7, 60), (8, 60), (9, 100), (10, 100)]
)
def test_it_maps_the_latest_nps_answer_by_thresholds(shipped, answer, points):
    assert points_for(shipped["nps"], answer) == points


@pytest.mark.parametrize(("average", "points"), [(1, 0), (2, 25), (3, 50), (4.5, 88), (5, 100)])
def test_it_maps_the_csat_average_linearly(shipped, average, points):
    assert points_for(shipped["csat"], average) == points


@pytest.mark.parametrize(("count", "points"), [(0, 100), (1, 70), (2, 40), (3, 40), (4, 0), (9, 0)])
def test_it_maps_complaints_by_thresholds(shipped, count, points):
    assert points_for(shipped["complaints"], count) == points


@pytest.mark.parametrize(
    ("trend", "points"), [(-80, 0), (-50, 0), (-20, 50), (0, 83), (10, 100), (40, 100)]
)
def test_it_maps_the_usage_trend_linearly_and_clamps_both_ends(shipped, trend, points):
    assert points_for(shipped["usage_trend"], trend) == points


@pytest.mark.parametrize(("days", "points"), [(0, 100), (7, 100), (63.5, 50), (120, 0), (400, 0)])
def test_it_maps_days_since_the_last_touch_from_a_worst_end_that_is_the_larger(
    shipped, days, points
):
    assert points_for(shipped["days_since_touch"], days) == points


@pytest.mark.parametrize(("count", "points"), [(0, 100), (1, 60), (2, 30), (3, 0)])
def test_it_maps_late_payments_by_thresholds(shipped, count, points):
    assert points_for(shipped["late_payments"], count) == points


@pytest.mark.parametrize(("count", "points"), [(0, 100), (1, 40), (2, 0)])
def test_it_maps_late_commitments_by_thresholds(shipped, count, points):
    assert points_for(shipped["late_commitments"], count) == points


def test_it_gives_the_last_points_above_every_bound_without_a_catch_all():
    spec = FactorSpec(key="x", mapping="thresholds", weight=1, thresholds=[[1, 100], [5, 20]])
    assert points_for(spec, 3) == 20
    assert points_for(spec, 50) == 20


def test_it_weights_by_the_tier_in_place_of_the_default(shipped):
    measures = {"nps": 10, "days_since_touch": 120}  # 100 points and 0 points
    # Standard: nps 25, touch 10 -> 2500 / 35 = 71.4. Strategic: touch weighs 20 -> 2500 / 45.
    standard = score_compute(list(shipped.values()), measures, "standard")
    strategic = score_compute(list(shipped.values()), measures, "strategic")
    assert standard.score == 71
    assert strategic.score == 56
    assert strategic.factors["days_since_touch"]["weight"] == 20
    assert strategic.factors["nps"]["weight"] == 25


def test_it_leaves_out_factors_without_data_and_renormalises_the_weights():
    specs = [
        FactorSpec(key="a", mapping="linear", weight=30, linear_worst=0, linear_best=100),
        FactorSpec(key="b", mapping="linear", weight=10, linear_worst=0, linear_best=100),
        FactorSpec(key="c", mapping="linear", weight=60, linear_worst=0, linear_best=100),
    ]
    both = score_compute(specs, {"a": 80, "b": 40, "c": None}, "standard")
    # (80 x 30 + 40 x 10) / 40, c's weight is not counted as zero points.
    assert both.score == 70
    assert both.factors["c"] == {"measure": None, "points": None, "weight": 60}
    assert score_compute(specs, {"a": 80}, "standard").score == 80


def test_it_gives_no_score_to_an_account_with_no_data_at_all(shipped):
    assert score_compute(list(shipped.values()), {}, "standard").score is None
    nothing = dict.fromkeys(shipped)
    assert score_compute(list(shipped.values()), nothing, "key").score is None


def test_it_rounds_half_up():
    specs = [
        FactorSpec(key="a", mapping="linear", weight=1, linear_worst=0, linear_best=100),
        FactorSpec(key="b", mapping="linear", weight=1, linear_worst=0, linear_best=100),
    ]
    assert score_compute(specs, {"a": 62, "b": 63}, "standard").score == 63


def test_it_bands_by_the_settings():
    settings = HealthSettings.current()
    assert (settings.red_below, settings.green_from) == (40, 70)
    assert band_for(0, settings) == band_for(39, settings) == Band.RED
    assert band_for(40, settings) == band_for(69, settings) == Band.YELLOW
    assert band_for(70, settings) == band_for(100, settings) == Band.GREEN


def test_it_sorts_nps_answers_into_three_categories():
    assert [nps_category(v) for v in (0, 6, 7, 8, 9, 10)] == [DETRACTOR] * 2 + [PASSIVE] * 2 + [
        PROMOTER
    ] * 2
    assert nps_category(None) == ""


def segment(**given):
    values = {"category": "", "complaints": 0, "referred": False, "days_since_touch": 5}
    return segment_for(**(values | given), settings=HealthSettings.current())


def test_it_calls_a_detractor_unhappy_whatever_else():
    assert segment(category=DETRACTOR, referred=True) == Segment.UNHAPPY


def test_it_calls_an_account_with_three_complaints_in_90_days_unhappy_even_a_promoter():
    assert segment(category=PROMOTER, complaints=2) == Segment.LOYAL
    assert segment(category=PROMOTER, complaints=3) == Segment.UNHAPPY
    assert segment(category="", complaints=3) == Segment.UNHAPPY


def test_it_calls_a_promoter_loyal_with_a_referral_or_a_recent_touch():
    assert segment(category=PROMOTER, days_since_touch=60) == Segment.LOYAL
    assert segment(category=PROMOTER, days_since_touch=200, referred=True) == Segment.LOYAL
    assert segment(category=PROMOTER, days_since_touch=61) == Segment.AT_RISK
    assert segment(category=PROMOTER, days_since_touch=None) == Segment.AT_RISK


def test_it_calls_passives_and_the_never_asked_satisfied_but_at_risk():
    assert segment(category=PASSIVE, referred=True) == Segment.AT_RISK
    assert segment(category="", referred=True) == Segment.AT_RISK


def test_it_points_the_trend_against_the_score_a_week_ago():
    assert trend_for(60, 50) == Trend.UP
    assert trend_for(40, 50) == Trend.DOWN
    assert trend_for(50, 50) == Trend.FLAT
    assert trend_for(50, None) == ""


def test_it_refuses_thresholds_that_are_not_in_order():
    from django.core.exceptions import ValidationError

    from amends.health.models import HealthFactor

    factor = HealthFactor.objects.get(key="complaints")
    factor.full_clean()
    factor.thresholds = [[3, 40], [1, 70]]
    with pytest.raises(ValidationError):
        factor.full_clean()
    factor.thresholds = [[None, 0], [1, 70]]
    with pytest.raises(ValidationError):
        factor.full_clean()
