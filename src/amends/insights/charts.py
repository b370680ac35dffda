"""The geometry of the dashboard's charts, worked out here and drawn by the templates
as inline SVG: no chart library, no script. Three kinds:

- ``hbars``: one horizontal bar per row, the value printed at its end, optional
  group headings and a marker line (a deadline) per row;
- ``columns``: stacked columns over days (accounts per segment, cases per week);
- ``lines``: a line over days (revenue at risk in one currency).

Coordinates are in the SVG's own units (``viewBox``); the stylesheet scales it to the card.
"""

import math
from dataclasses import dataclass, field
from datetime import date

WIDTH = 520


def nice_step(maximum: float, ticks: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) that covers ``maximum`` in about
    ``ticks`` steps."""
    if maximum <= 0:
        return 1.0
    raw = maximum / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _ticks(maximum: float, *, whole: bool = False) -> list[float]:
    # Counts go up in whole steps: "0, 0.5, 1" would print as "0, 0, 1".
    step = max(1.0, nice_step(maximum)) if whole else nice_step(maximum)
    count = max(1, math.ceil(maximum / step)) if maximum > 0 else 1
    return [step * n for n in range(count + 1)]


def _r(value: float) -> float:
    return round(value, 1)


# -- horizontal bars ------------------------------------------------------------------------

LABEL_WIDTH = 170
BAR = 16
VALUE_ROOM = 150
ROW = 26
HEADING = 24


@dataclass(frozen=True)
class BarIn:
    label: str
    value: float
    text: str
    tone: str = "a"
    group: str = ""
    marker: float | None = None


@dataclass(frozen=True)
class BarRow:
    label: str
    text: str
    tone: str
    y: float
    bar_y: float
    bar_width: float
    text_x: float
    marker_x: float | None
    marker_y: float


@dataclass(frozen=True)
class Heading:
    text: str
    y: float


@dataclass
class HBars:
    rows: list[BarRow]
    headings: list[Heading]
    height: float
    label_width: float
    area: float
    kind: str = "hbars"
    width: int = WIDTH
    bar_height: float = BAR
    label_x: float = LABEL_WIDTH - 8
    marker_height: float = BAR + 6

    @property
    def has_markers(self) -> bool:
        return any(row.marker_x is not None for row in self.rows)


def hbars(bars: list[BarIn], *, maximum: float | None = None) -> HBars:
    """Bars from 0 to ``maximum`` (the largest value or marker when not given)."""
    top = maximum or max([b.value for b in bars] + [b.marker or 0 for b in bars] + [0])
    top = top or 1.0
    area = WIDTH - LABEL_WIDTH - VALUE_ROOM
    rows, headings, y, group = [], [], 4.0, None
    for bar in bars:
        if bar.group and bar.group != group:
            headings.append(Heading(text=bar.group, y=_r(y + 16)))
            y += HEADING
        group = bar.group
        width = max(0.0, min(bar.value, top)) / top * area
        marker = None if bar.marker is None else min(bar.marker, top) / top * area
        rows.append(
            BarRow(
                label=bar.label,
                text=bar.text,
                tone=bar.tone,
                y=_r(y + 17),
                bar_y=_r(y + 5),
                bar_width=_r(width),
                text_x=_r(LABEL_WIDTH + max(width, marker or 0) + 6),
                marker_x=None if marker is None else _r(LABEL_WIDTH + marker),
                marker_y=_r(y + 2),
            )
        )
        y += ROW
    return HBars(rows=rows, headings=headings, height=_r(y + 4), label_width=LABEL_WIDTH, area=area)


# -- stacked columns over days ------------------------------------------------------------------

LEFT, RIGHT, TOP, BOTTOM = 52, 12, 12, 30
PLOT_HEIGHT = 180
MAX_X_LABELS = 8


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    tone: str


@dataclass(frozen=True)
class Segment:
    key: str
    tone: str
    y: float
    height: float
    value: float


@dataclass(frozen=True)
class Column:
    day: date
    x: float
    width: float
    segments: list[Segment]


@dataclass(frozen=True)
class Tick:
    value: float
    y: float


@dataclass(frozen=True)
class XLabel:
    day: date
    x: float


@dataclass
class Columns:
    columns: list[Column]
    series: list[Series]
    y_ticks: list[Tick]
    x_labels: list[XLabel]
    height: float
    plot_left: float = LEFT
    plot_right: float = WIDTH - RIGHT
    baseline: float = TOP + PLOT_HEIGHT
    tick_x: float = LEFT - 6
    label_y: float = TOP + PLOT_HEIGHT + 18
    kind: str = "columns"
    width: int = WIDTH


def _x_labels(days: list[date], xs: list[float], most: int = MAX_X_LABELS) -> list[XLabel]:
    every = max(1, math.ceil(len(days) / most))
    return [
        XLabel(day=d, x=_r(x))
        for n, (d, x) in enumerate(zip(days, xs, strict=True))
        if n % every == 0
    ]


def _y(value: float, top: float, height: float = PLOT_HEIGHT) -> float:
    return TOP + height - value / top * height


def columns(days: list[date], series: list[Series], values: list[dict[str, float]]) -> Columns:
    """One stacked column per day; ``values[i][series.key]`` is day i's part."""
    totals = [sum(v.get(s.key, 0) for s in series) for v in values]
    ticks = _ticks(max(totals, default=0), whole=True)
    top = ticks[-1]
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(days))
    width = max(2.0, min(48.0, slot * 0.7))
    built, centres = [], []
    for n, (day, parts) in enumerate(zip(days, values, strict=True)):
        centre = LEFT + slot * (n + 0.5)
        centres.append(centre)
        base, stack = 0.0, []
        for s in series:
            value = parts.get(s.key, 0)
            if value:
                y = _y(base + value, top)
                stack.append(Segment(s.key, s.tone, _r(y), _r(_y(base, top) - y), value))
                base += value
        built.append(Column(day=day, x=_r(centre - width / 2), width=_r(width), segments=stack))
    return Columns(
        columns=built,
        series=series,
        y_ticks=[Tick(value=t, y=_r(_y(t, top))) for t in ticks],
        x_labels=_x_labels(days, centres),
        height=TOP + PLOT_HEIGHT + BOTTOM,
    )


# -- a line over days ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    day: date
    x: float
    y: float
    value: float


@dataclass
class Lines:
    title: str
    path: str
    points: list[Point]
    y_ticks: list[Tick]
    x_labels: list[XLabel]
    width: float
    height: float
    plot_left: float
    plot_right: float
    baseline: float
    tick_x: float
    label_y: float
    kind: str = "lines"


# Small multiples sit three abreast on a wide screen: a smaller canvas keeps their text
# as large as the other charts'.
LINE_WIDTH = 360
LINE_PLOT_HEIGHT = 110


def line(title: str, days: list[date], values: list[float]) -> Lines:
    ticks = _ticks(max(values, default=0))
    top = ticks[-1]
    span = LINE_WIDTH - LEFT - RIGHT
    # One point alone sits in the middle; more spread from edge to edge.
    xs = [
        LEFT + (span / 2 if len(days) == 1 else span * n / (len(days) - 1))
        for n in range(len(days))
    ]
    points = [
        Point(day=d, x=_r(x), y=_r(_y(v, top, LINE_PLOT_HEIGHT)), value=v)
        for d, x, v in zip(days, xs, values, strict=True)
    ]
    path = " ".join(f"{'M' if n == 0 else 'L'}{p.x},{p.y}" for n, p in enumerate(points))
    baseline = TOP + LINE_PLOT_HEIGHT
    return Lines(
        title=title,
        path=path,
        points=points,
        y_ticks=[Tick(value=t, y=_r(_y(t, top, LINE_PLOT_HEIGHT))) for t in ticks],
        x_labels=_x_labels(days, xs, most=5),
        width=LINE_WIDTH,
        height=baseline + BOTTOM,
        plot_left=LEFT,
        plot_right=LINE_WIDTH - RIGHT,
        baseline=baseline,
        tick_x=LEFT - 6,
        label_y=baseline + 18,
    )


@dataclass
class Multiples:
    """Several line charts side by side: one per currency, never summed across them."""

    charts: list[Lines] = field(default_factory=list)
    kind: str = "multiples"
