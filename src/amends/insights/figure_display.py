"""Each figure's flat rows, headline numbers and chart, drawn from the dict its
metric returns, and the formatting they share. ``figures.py`` puts them together."""

from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from amends.core.shipped import shipped
from amends.health.models import Segment
from amends.incidents.models import Severity
from amends.insights import charts
from amends.insights.charts import BarIn, Series
from amends.insights.selectors import Scope
from amends.recovery.models import PlaybookKind, PlaybookStep


def percent(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)}%"


def number(value: float | Decimal | None, digits: int = 0) -> str:
    return "—" if value is None else floatformat(value, f"{digits}g")


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _weeks(start: date, end: date) -> list[date]:
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


SEGMENT_SERIES = [
    Series(Segment.LOYAL, Segment.LOYAL.label, "good"),
    Series(Segment.AT_RISK, Segment.AT_RISK.label, "warn"),
    Series(Segment.UNHAPPY, Segment.UNHAPPY.label, "bad"),
]
RETENTION_GROUPS = {
    "did_not_complain": _("Did not complain"),
    "complained": _("Complained"),
    "complained_not_resolved": _("… not resolved"),
    "complained_resolved_slowly": _("… resolved slowly"),
    "complained_resolved_fast": _("… resolved within 24 hours"),
}
SPEND_GROUPS = {"complainers": _("Complainers"), "silent": _("Silent")}
NO_STAGE = "all_steps_done"


def revenue_rows(data: dict) -> list[list]:
    return [
        [point["day"], currency, point["total"], point["accounts"]]
        for currency, points in data["by_currency"].items()
        for point in points
    ]


def revenue_chart(data: dict, scope: Scope):
    days = [_day(d) for d in data["days"]]
    if not days or not data["by_currency"]:
        return None
    return charts.Multiples(
        charts=[
            charts.line(currency, days, [float(p["total"]) for p in points])
            for currency, points in data["by_currency"].items()
        ]
    )


def segment_rows(data: dict) -> list[list]:
    return [[row["day"], *(row[s.key] for s in SEGMENT_SERIES)] for row in data["by_day"]]


def segment_chart(data: dict, scope: Scope):
    rows = data["by_day"]
    if not any(row[s.key] for row in rows for s in SEGMENT_SERIES):
        return None
    return charts.columns([_day(row["day"]) for row in rows], SEGMENT_SERIES, rows)


def _stage_titles() -> dict[tuple[str, str], str]:
    steps = PlaybookStep.objects.values_list("playbook__kind", "key", "title")
    return {(kind, key): title for kind, key, title in steps}


def open_work_rows(data: dict) -> list[list]:
    return [
        *(["open_cases", r["playbook"], r["stage"], r["cases"]] for r in data["by_stage"]),
        ["late_steps", "", "", data["late_steps"]],
        ["late_commitments", "", "", data["late_commitments"]],
    ]


def open_work_stats(data: dict) -> list[tuple]:
    return [
        (_("Open cases"), number(sum(r["cases"] for r in data["by_stage"]))),
        (_("Late steps"), number(data["late_steps"])),
        (_("Late commitments"), number(data["late_commitments"])),
    ]


def open_work_chart(data: dict, scope: Scope):
    if not data["by_stage"]:
        return None
    titles = _stage_titles()
    kinds = dict(PlaybookKind.choices)
    return charts.hbars(
        [
            BarIn(
                label=_t("All steps done")
                if r["stage"] == NO_STAGE
                else shipped(titles.get((r["playbook"], r["stage"]), r["stage"])),
                value=r["cases"],
                text=number(r["cases"]),
                group=str(kinds.get(r["playbook"], r["playbook"])),
            )
            for r in data["by_stage"]
        ]
    )


FIRST_CONTACT_COLUMNS = [
    "severity",
    "label",
    "contacted",
    "not_yet_contacted",
    "median_hours",
    "p90_hours",
    "deadline_hours",
    "within_deadline_share",
]


def first_contact_rows(data: dict) -> list[list]:
    deadlines = data["deadline_hours"]
    return [
        [
            {**r, "deadline_hours": deadlines.get(str(r["severity"]))}[column]
            for column in FIRST_CONTACT_COLUMNS
        ]
        for r in data["by_severity"]
    ]


def first_contact_chart(data: dict, scope: Scope):
    if not data["by_severity"]:
        return None
    bars = []
    for r in data["by_severity"]:
        deadline = data["deadline_hours"].get(str(r["severity"]))
        group = _t("%(severity)s: %(share)s within the deadline, %(waiting)s not yet contacted") % {
            "severity": _severity(r["severity"]),
            "share": percent(r["within_deadline_share"]),
            "waiting": r["not_yet_contacted"],
        }
        for label, key, tone in [
            (_t("Median"), "median_hours", "a"),
            (_t("90th percentile"), "p90_hours", "b"),
        ]:
            hours = r[key]
            bars.append(
                BarIn(
                    label=str(label),
                    value=hours or 0,
                    text=_t("%(hours)s h") % {"hours": number(hours, 1)}
                    if hours is not None
                    else "—",
                    tone=tone if hours is None or deadline is None or hours <= deadline else "bad",
                    group=group,
                    marker=deadline,
                )
            )
    return charts.hbars(bars)


def commitments_rows(data: dict) -> list[list]:
    return [[data["kept"], data["kept_late"], data["broken"], data["share"]]]


def commitments_chart(data: dict, scope: Scope):
    if not data["kept"] + data["kept_late"] + data["broken"]:
        return None
    return charts.hbars(
        [
            BarIn(_t("Kept on time"), data["kept"], number(data["kept"]), "good"),
            BarIn(_t("Kept late"), data["kept_late"], number(data["kept_late"]), "warn"),
            BarIn(_t("Broken"), data["broken"], number(data["broken"]), "bad"),
        ]
    )


def _rate_bar(label: str, part: int, whole: int, share: float | None, tone: str = "a") -> BarIn:
    text = _t("%(share)s (%(part)s of %(whole)s)") % {
        "share": percent(share),
        "part": number(part),
        "whole": number(whole),
    }
    return BarIn(label, (share or 0) * 100, text, tone)


def recovery_rows(data: dict) -> list[list]:
    rows = [
        [kind, r["closed"], r["recovered"], r["rate"]] for kind, r in data["by_playbook"].items()
    ]
    return [*rows, ["all", data["closed"], data["recovered"], data["rate"]]]


def recovery_chart(data: dict, scope: Scope):
    if not data["closed"]:
        return None
    kinds = dict(PlaybookKind.choices)
    bars = [
        _rate_bar(str(kinds.get(kind, kind)), r["recovered"], r["closed"], r["rate"])
        for kind, r in data["by_playbook"].items()
    ]
    bars.append(
        _rate_bar(_t("Every playbook"), data["recovered"], data["closed"], data["rate"], "good")
    )
    return charts.hbars(bars, maximum=100)


def win_back_rows(data: dict) -> list[list]:
    return [[data["churned_at_start"], data["won_back"], data["rate"]]]


def win_back_chart(data: dict, scope: Scope):
    if not data["churned_at_start"]:
        return None
    return charts.hbars(
        [
            BarIn(
                _t("Churned at the start"),
                data["churned_at_start"],
                number(data["churned_at_start"]),
                "muted",
            ),
            BarIn(_t("Won back"), data["won_back"], number(data["won_back"]), "good"),
        ]
    )


def thaw_rows(data: dict) -> list[list]:
    return [[b["from_days"], b["to_days"], b["cases"]] for b in data["histogram"]]


def _days_label(low: int, high: int | None) -> str:
    if high is None:
        return _t("%(low)s days or more") % {"low": low}
    return _t("%(low)s to %(high)s days") % {"low": low, "high": high}


def thaw_chart(data: dict, scope: Scope):
    if not data["cases"]:
        return None
    return charts.hbars(
        [
            BarIn(_days_label(b["from_days"], b["to_days"]), b["cases"], number(b["cases"]))
            for b in data["histogram"]
        ]
    )


def causes_rows(data: dict) -> list[list]:
    recurring = set(data["recurring"])
    return [
        [r["cause"], r["name"], r["incidents"], r["cause"] in recurring] for r in data["by_cause"]
    ]


def causes_chart(data: dict, scope: Scope):
    if not data["by_cause"]:
        return None
    recurring = set(data["recurring"])
    return charts.hbars(
        [
            BarIn(
                shipped(r["name"]),
                r["incidents"],
                number(r["incidents"]),
                "bad" if r["cause"] in recurring else "a",
            )
            for r in data["by_cause"]
        ]
    )


def double_rows(data: dict) -> list[list]:
    return [
        [account["account_id"], account["name"], case["case_id"], case["opened_at"]]
        for account in data["list"]
        for case in account["cases"]
    ]


def double_chart(data: dict, scope: Scope):
    if not data["accounts"]:
        return None
    weeks = _weeks(scope.start, scope.end)
    opened = Counter(
        (opened - timedelta(days=opened.weekday()))
        for account in data["list"]
        for case in account["cases"]
        for opened in [datetime.fromisoformat(case["opened_at"]).date()]
    )
    series = [Series("cases", _t("Last-chance cases opened"), "bad")]
    return charts.columns(weeks, series, [{"cases": opened.get(week, 0)} for week in weeks])


def satisfaction_rows(data: dict) -> list[list]:
    return [[data["cases"], data["cases_without_both"], data["mean_before"], data["mean_after"]]]


def satisfaction_chart(data: dict, scope: Scope):
    if not data["cases"]:
        return None
    return charts.hbars(
        [
            BarIn(
                _t("Before the case"),
                data["mean_before"],
                f"{number(data['mean_before'], 2)} / 5",
                "muted",
            ),
            BarIn(
                _t("After it closed"),
                data["mean_after"],
                f"{number(data['mean_after'], 2)} / 5",
                "good",
            ),
        ],
        maximum=5,
    )


def retention_rows(data: dict) -> list[list]:
    return [[r["group"], r["accounts"], r["still_buying"], r["share"]] for r in data["rows"]]


def retention_chart(data: dict, scope: Scope):
    if not any(r["accounts"] for r in data["rows"]):
        return None
    return charts.hbars(
        [
            _rate_bar(
                str(RETENTION_GROUPS.get(r["group"], r["group"])),
                r["still_buying"],
                r["accounts"],
                r["share"],
                "muted" if r["group"] == "did_not_complain" else "a",
            )
            for r in data["rows"]
        ],
        maximum=100,
    )


def spend_rows(data: dict) -> list[list]:
    return [
        [currency, group, row["accounts"], row["total"], row["mean_per_account"]]
        for currency, groups in data["by_currency"].items()
        for group, row in groups.items()
    ]


def spend_chart(data: dict, scope: Scope):
    if not data["by_currency"]:
        return None
    # Each currency on its own scale: amounts in different money are never compared.
    bars = []
    for currency, groups in data["by_currency"].items():
        for group, row in groups.items():
            bars.append(
                BarIn(
                    str(SPEND_GROUPS.get(group, group)),
                    float(row["mean_per_account"]),
                    _t("%(mean)s %(currency)s (%(accounts)s accounts)")
                    % {
                        "mean": number(Decimal(row["mean_per_account"])),
                        "currency": currency,
                        "accounts": row["accounts"],
                    },
                    "good" if group == "complainers" else "muted",
                    group=currency,
                )
            )
    return _per_group_scale(bars)


def _per_group_scale(bars: list[BarIn]) -> charts.HBars:
    """hbars with each group's bars scaled to that group's largest value."""
    top: dict[str, float] = {}
    for bar in bars:
        top[bar.group] = max(top.get(bar.group, 0), bar.value)
    scaled = [
        BarIn(b.label, b.value / top[b.group] * 100 if top[b.group] else 0, b.text, b.tone, b.group)
        for b in bars
    ]
    return charts.hbars(scaled, maximum=100)


# -- the numbers under each chart, on the screen -----------------------------------------------
# The CSV file keeps its columns' keys and values as they are, for programs; the screen
# shows each column's name and each coded value in the reader's language.

COLUMN_LABELS = {
    "day": _("Day"),
    "currency": _("Currency"),
    "total": _("Total"),
    "accounts": _("Accounts"),
    "loyal": Segment.LOYAL.label,
    "at_risk": Segment.AT_RISK.label,
    "unhappy": Segment.UNHAPPY.label,
    "measure": _("Measure"),
    "playbook": _("Playbook"),
    "stage": _("Step"),
    "count": _("Count"),
    "severity": _("Severity"),
    "label": _("Severity"),
    "contacted": _("Contacted"),
    "not_yet_contacted": _("Not yet contacted"),
    "median_hours": _("Median hours"),
    "p90_hours": _("90th percentile, hours"),
    "deadline_hours": _("Deadline, hours"),
    "within_deadline_share": _("Share within the deadline"),
    "kept": _("Kept on time"),
    "kept_late": _("Kept late"),
    "broken": _("Broken"),
    "share": _("Share"),
    "closed": _("Closed"),
    "recovered": _("Recovered"),
    "rate": _("Rate"),
    "churned_at_start": _("Churned at the start"),
    "won_back": _("Won back"),
    "from_days": _("From day"),
    "to_days": _("To day"),
    "cases": _("Cases"),
    "name": _("Name"),
    "incidents": _("Incidents"),
    "recurring": _("Recurring"),
    "account_id": _("Account"),
    "case_id": _("Case"),
    "opened_at": _("Opened"),
    "cases_without_both": _("Cases without both answers"),
    "mean_before": _("Mean before"),
    "mean_after": _("Mean after"),
    "group": _("Group"),
    "still_buying": _("Still buying"),
    "mean_per_account": _("Mean per account"),
}
# Columns of codes that the column beside them names: in the CSV file only.
CODE_COLUMNS = {"cause", "severity"}
MEASURES = {
    "open_cases": _("Open cases"),
    "late_steps": _("Late steps"),
    "late_commitments": _("Late commitments"),
}


def _severity(value) -> str:
    try:
        return str(Severity(int(value)).label)
    except (TypeError, ValueError):
        return str(value)


def shown_table(columns: list[str], rows: list[list]) -> tuple[list[str], list[list]]:
    """A figure's table as the screen shows it: named columns, coded values in words,
    yes and no for true and false; the codes' own columns left to the CSV file."""
    kinds = dict(PlaybookKind.choices)
    groups = {**RETENTION_GROUPS, **SPEND_GROUPS}
    titles = _stage_titles() if "stage" in columns else {}
    keep = [
        i
        for i, column in enumerate(columns)
        if column not in CODE_COLUMNS or (column == "severity" and "label" not in columns)
    ]

    def shown(column: str, value, row: dict):
        if isinstance(value, bool):
            return _t("yes") if value else _t("no")
        if column == "measure":
            return MEASURES.get(value, value)
        if column == "playbook":
            return kinds.get(value, value)
        if column == "stage":
            if value == NO_STAGE:
                return _t("All steps done")
            return shipped(titles.get((row.get("playbook"), value), value))
        if column == "group":
            return groups.get(value, value)
        if column == "label":
            return _severity(row.get("severity"))
        if column == "name":
            return shipped(value) if isinstance(value, str) else value
        return value

    shown_rows = []
    for row in rows:
        named = dict(zip(columns, row, strict=True))
        shown_rows.append(
            [
                _t("Every playbook")
                if columns[i] == "playbook" and row[i] == "all"
                else shown(columns[i], row[i], named)
                for i in keep
            ]
        )
    return [str(COLUMN_LABELS.get(columns[i], columns[i])) for i in keep], shown_rows
