"""The charts' geometry: bars as long as their values, columns stacked, lines through
their points, and round numbers on the axes."""

from datetime import date

from amends.insights import charts
from amends.insights.charts import BarIn, Series


def test_it_picks_round_steps_for_the_axis():
    assert charts.nice_step(100) == 50  # 25 a step would be 4; 1-2-5 rounds it up
    assert charts.nice_step(7) == 2
    assert charts.nice_step(1_000_000) == 500_000
    assert charts.nice_step(0) == 1


def test_it_draws_bars_as_long_as_their_values():
    chart = charts.hbars(
        [BarIn("Kept", 3, "3"), BarIn("Broken", 1, "1", tone="bad", marker=2)], maximum=4
    )
    kept, broken = chart.rows
    assert kept.bar_width == chart.area * 3 / 4
    assert broken.bar_width == chart.area / 4
    assert broken.marker_x == chart.label_width + chart.area / 2
    # The number sits after the bar or the marker, whichever reaches further.
    assert broken.text_x == chart.label_width + chart.area / 2 + 6
    assert broken.bar_y > kept.bar_y and chart.has_markers


def test_it_starts_a_new_heading_for_each_group():
    chart = charts.hbars([BarIn("a", 1, "1", group="EUR"), BarIn("b", 2, "2", group="USD")])
    assert [h.text for h in chart.headings] == ["EUR", "USD"]
    assert chart.rows[1].bar_width == chart.area  # the largest fills the track


def test_it_stacks_columns_from_the_baseline():
    days = [date(2025, 3, 2), date(2025, 3, 9)]
    series = [Series("loyal", "Loyal", "good"), Series("unhappy", "Unhappy", "bad")]
    chart = charts.columns(days, series, [{"loyal": 3, "unhappy": 1}, {"loyal": 0, "unhappy": 4}])

    first, second = chart.columns
    loyal, unhappy = first.segments
    assert loyal.y + loyal.height == chart.baseline
    assert unhappy.y + unhappy.height == loyal.y
    assert loyal.height == 3 * unhappy.height
    assert [s.key for s in second.segments] == ["unhappy"]  # nothing drawn for zero
    assert [t.value for t in chart.y_ticks] == [0, 1, 2, 3, 4]


def test_it_draws_a_line_through_every_point():
    days = [date(2025, 3, d) for d in (2, 9, 16)]
    chart = charts.line("EUR", days, [0, 50, 100])
    assert chart.path.startswith(f"M{chart.plot_left:.1f},{chart.baseline:.1f} L")
    assert chart.path.count("L") == 2
    assert chart.points[-1].x == chart.plot_right
    assert chart.points[-1].y == chart.y_ticks[-1].y  # 100 is the top tick
    lonely = charts.line("EUR", days[:1], [5])
    assert lonely.points[0].x == (chart.plot_left + chart.plot_right) / 2


def test_it_counts_small_numbers_in_whole_steps():
    from datetime import date

    from amends.insights.charts import Series, columns

    chart = columns(
        [date(2026, 11, 2), date(2026, 11, 9)],
        [Series(key="n", label="Cases", tone="bad")],
        [{"n": 0}, {"n": 2}],
    )
    assert [tick.value for tick in chart.y_ticks] == [0, 1, 2]
