"""The dashboard's filters, also used to read the CSV links', the API's and the
command's: one place that says what a good period is and what is wrong with a bad one."""

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amends.health.models import Segment
from amends.insights.selectors import MAX_DAYS, Scope, default_period

DATE_ERRORS = {"invalid": _("Enter a date as YYYY-MM-DD, for example 2025-03-31.")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class InsightsFilterForm(forms.Form):
    team = forms.ChoiceField(label=_("Team"), required=False)
    segment = forms.ChoiceField(
        label=_("Segment"),
        choices=[("", _("Every segment")), *Segment.choices],
        required=False,
        help_text=_("The accounts in this loyalty segment as of the latest health rescore."),
    )
    start = forms.DateField(
        label=pgettext_lazy("start of a period", "From"),
        required=False,
        widget=DateInput(),
        error_messages=DATE_ERRORS,
    )
    end = forms.DateField(
        label=_("Until"), required=False, widget=DateInput(), error_messages=DATE_ERRORS
    )

    def __init__(self, *args: Any, teams=(), today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["team"].choices = [("", _("Every team you can see"))] + [
            (team.slug, team.name) for team in teams
        ]
        start, end = default_period(today)
        self.fields["start"].widget.attrs["placeholder"] = start.isoformat()
        self.fields["end"].widget.attrs["placeholder"] = end.isoformat()

    def clean(self) -> dict:
        data = super().clean()
        if "start" not in data or "end" not in data:
            return data  # a bad date is already named
        start, end = data["start"], data["end"]
        default_start, default_end = default_period(self.today)
        if start is None and end is None:
            start, end = default_start, default_end
        elif start is None:
            start = end - (default_end - default_start)
        elif end is None:
            end = max(start, default_end)
        if end < start:
            self.add_error(
                "end", _("The period ends before it starts: choose an end on or after the start.")
            )
        elif (end - start).days >= MAX_DAYS:
            self.add_error("end", _("A period can be at most ten years long."))
        data["start"], data["end"] = start, end
        return data

    def scope(self, *, teams: set[int] | None, now: datetime | None = None) -> Scope:
        data = self.cleaned_data
        return Scope(
            teams=teams,
            start=data["start"],
            end=data["end"],
            segment=data["segment"] or None,
            now=now,
        )

    def error_lines(self) -> list[str]:
        """Each problem as "Field: what is wrong", for the page, a CSV link and the command."""
        return [
            f"{self.fields[name].label}: {message}" if name in self.fields else str(message)
            for name, messages in self.errors.items()
            for message in messages
        ]
