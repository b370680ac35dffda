"""How each figure is shown: the registry of its title, the principle it measures, its
flat rows (the CSV file and the table under the chart are the same rows), its headline
numbers and its chart (each drawn in ``figure_display.py``), and the cards and CSV files
built from it. The numbers come from the figures' modules through ``selectors.py``."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from amends.insights.figure_display import (
    FIRST_CONTACT_COLUMNS,
    causes_chart,
    causes_rows,
    commitments_chart,
    commitments_rows,
    double_chart,
    double_rows,
    first_contact_chart,
    first_contact_rows,
    number,
    open_work_chart,
    open_work_rows,
    open_work_stats,
    percent,
    recovery_chart,
    recovery_rows,
    retention_chart,
    retention_rows,
    revenue_chart,
    revenue_rows,
    satisfaction_chart,
    satisfaction_rows,
    segment_chart,
    segment_rows,
    shown_table,
    spend_chart,
    spend_rows,
    thaw_chart,
    thaw_rows,
    win_back_chart,
    win_back_rows,
)
from amends.insights.selectors import FIGURES, Scope

NO_DATA = _("No data in this period.")


# -- the registry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureView:
    title: Promise
    principle: Promise
    columns: list[str]
    rows: Callable[[dict], list[list]]
    chart: Callable[[dict, Scope], object]
    stats: Callable[[dict], list[tuple]] = field(default=lambda data: [])
    empty: Promise = NO_DATA


VIEWS: dict[str, FigureView] = {
    "revenue-at-risk": FigureView(
        _("Revenue at risk over time"),
        _("At-risk = satisfied but not loyal"),
        ["day", "currency", "total", "accounts"],
        revenue_rows,
        revenue_chart,
    ),
    "segments": FigureView(
        _("Accounts per loyalty segment"),
        _("At-risk = satisfied but not loyal"),
        ["day", "loyal", "at_risk", "unhappy"],
        segment_rows,
        segment_chart,
    ),
    "open-work": FigureView(
        _("Work in hand now"),
        _("Tell them first, act at once"),
        ["measure", "playbook", "stage", "count"],
        open_work_rows,
        open_work_chart,
        open_work_stats,
        _("No open cases now."),
    ),
    "first-contact": FigureView(
        _("Discovery to first contact"),
        _("Tell them first, act at once"),
        FIRST_CONTACT_COLUMNS,
        first_contact_rows,
        first_contact_chart,
    ),
    "commitments": FigureView(
        _("Commitments kept on time"),
        _("Promises are specific, time-bound, measurable"),
        ["kept", "kept_late", "broken", "share"],
        commitments_rows,
        commitments_chart,
        lambda d: [(_("Kept on time"), percent(d["share"]))],
    ),
    "recovery": FigureView(
        _("Recovery rate"),
        _("Long relationships are cheaper and more forgiving"),
        ["playbook", "closed", "recovered", "rate"],
        recovery_rows,
        recovery_chart,
        lambda d: [(_("Recovered"), percent(d["rate"]))],
    ),
    "win-back": FigureView(
        _("Win-back rate"),
        _("Long relationships are cheaper and more forgiving"),
        ["churned_at_start", "won_back", "rate"],
        win_back_rows,
        win_back_chart,
        lambda d: [(_("Won back"), percent(d["rate"]))],
    ),
    "thaw": FigureView(
        _("Days to resolve a thaw"),
        _("At-risk = satisfied but not loyal"),
        ["from_days", "to_days", "cases"],
        thaw_rows,
        thaw_chart,
        lambda d: [(_("Mean days"), number(d["mean_days"], 1)), (_("Cases"), number(d["cases"]))],
    ),
    "recurring-causes": FigureView(
        _("Recurring causes"),
        _("Never the same mistake twice"),
        ["cause", "name", "incidents", "recurring"],
        causes_rows,
        causes_chart,
    ),
    "double-failures": FigureView(
        _("Double failures"),
        _("A third chance is rare"),
        ["account_id", "name", "case_id", "opened_at"],
        double_rows,
        double_chart,
        lambda d: [(_("Accounts on their last chance"), number(d["accounts"]))],
    ),
    "satisfaction": FigureView(
        _("Satisfaction before and after a recovery"),
        _("Long relationships are cheaper and more forgiving"),
        ["cases", "cases_without_both", "mean_before", "mean_after"],
        satisfaction_rows,
        satisfaction_chart,
        lambda d: [(_("Cases with both"), number(d["cases"]))],
    ),
    "retention": FigureView(
        _("Still buying after a problem"),
        _("Complainers buy more"),
        ["group", "accounts", "still_buying", "share"],
        retention_rows,
        retention_chart,
    ),
    "spend": FigureView(
        _("Spend of complainers and silent customers"),
        _("Complainers buy more"),
        ["currency", "group", "accounts", "total", "mean_per_account"],
        spend_rows,
        spend_chart,
    ),
}
assert set(VIEWS) == set(FIGURES), "every figure is shown, and only those"


def figure_table(key: str, data: dict) -> tuple[list[str], list[list]]:
    """The header and the rows of a figure, as in its CSV file."""
    shown = VIEWS[key]
    return shown.columns, shown.rows(data)


def cell(value) -> str:
    """A CSV cell: blanks for nothing, true/false for yes/no, numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class Card:
    key: str
    title: str
    principle: str
    definition: str
    columns: list[str]
    rows: list[list]
    stats: list[tuple]
    chart: object
    empty: str
    now: bool


def card_build(*, key: str, data: dict, scope: Scope, now: bool = False) -> Card:
    shown = VIEWS[key]
    columns, rows = shown_table(*figure_table(key, data))
    return Card(
        key=key,
        title=str(shown.title),
        principle=str(shown.principle),
        definition=data["definition"],
        columns=columns,
        rows=[[cell(value) for value in row] for row in rows],
        stats=shown.stats(data),
        chart=shown.chart(data, scope),
        empty=str(shown.empty),
        now=now,
    )


def figure_csv_rows(key: str, data: dict) -> list[list[str]]:
    """The CSV file of a figure: a header, then plain rows; nothing else to skip."""
    columns, rows = figure_table(key, data)
    return [columns, *([cell(value) for value in row] for row in rows)]
