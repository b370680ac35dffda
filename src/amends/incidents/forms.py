from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from amends.accounts.models import Account
from amends.incidents.models import CauseCategory, Fault, PostMortem, Severity
from amends.incidents.services import Impact
from amends.people.access import WRITE, teams_for
from amends.people.models import User

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class IncidentForm(forms.Form):
    team = forms.ModelChoiceField(queryset=None, label=_("Team"), empty_label=None)
    title = forms.CharField(label=_("What went wrong, in a few words"), max_length=200, strip=True)
    description = forms.CharField(
        label=_("Details"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Markdown is fine."),
    )
    occurred_at = forms.DateTimeField(label=_("Happened at"), widget=DATETIME)
    discovered_at = forms.DateTimeField(label=_("Discovered at"), widget=DATETIME)
    severity = forms.TypedChoiceField(
        label=_("Severity"), coerce=int, choices=Severity.choices, initial=Severity.MODERATE
    )
    cause = forms.ModelChoiceField(
        queryset=CauseCategory.objects.all(), label=_("Cause"), empty_label=None
    )
    fault = forms.ChoiceField(label=_("Whose fault"), choices=Fault.choices, initial=Fault.OURS)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separated by commas, e.g. invoicing, printing."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams_for(user, WRITE)
        now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        self.fields["occurred_at"].initial = now
        self.fields["discovered_at"].initial = now


class PostMortemForm(forms.ModelForm):
    publish = forms.BooleanField(
        label=_("Published: anyone with the link can read it, without customer names"),
        required=False,
    )

    class Meta:
        model = PostMortem
        fields = ["what_happened", "how_and_why", "what_was_done", "what_changed"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}
        help_texts = {"what_happened": _("Markdown is fine.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["publish"].initial = bool(self.instance and self.instance.published_at)


class AffectedRows:
    """The accounts picked on the declare form, each with its impact. The rows are
    plain inputs named ``account`` and ``units-<id>``…, so the form works without
    JavaScript once the accounts are on it."""

    def __init__(self, data: QueryDict | None, *, accounts: Any) -> None:
        self.rows: list[dict[str, Any]] = []
        self.errors: list[str] = []
        if data is None:
            return
        ids: list[int] = []
        for raw in data.getlist("account"):
            if raw.isdigit() and int(raw) not in ids:
                ids.append(int(raw))
        found = accounts.in_bulk(ids)
        for account_id in ids:
            account = found.get(account_id)
            if account is None:
                self.errors.append(
                    gettext("Account %(id)s is not one you may change.") % {"id": account_id}
                )
                continue
            self.rows.append(self._row(data, account))

    def _row(self, data: QueryDict, account: Account) -> dict[str, Any]:
        values = {
            name: data.get(f"{name}-{account.pk}", "").strip()
            for name in ("units", "people", "money", "impact")
        }
        return {"account": account, "values": values}

    def impacts(self) -> list[Impact]:
        impacts = []
        for row in self.rows:
            values, name = row["values"], row["account"].name
            numbers: dict[str, Any] = {}
            for field, label in (("units", gettext("units")), ("people", gettext("people"))):
                text = values[field]
                if text and not text.isdigit():
                    self.errors.append(
                        gettext("%(account)s: %(field)s must be a whole number, not “%(value)s”.")
                        % {"account": name, "field": label, "value": text}
                    )
                numbers[field] = int(text) if text.isdigit() else None
            money = None
            if values["money"]:
                try:
                    money = Decimal(values["money"])
                    if money < 0 or not money.is_finite():
                        raise InvalidOperation
                except InvalidOperation:
                    self.errors.append(
                        gettext(
                            "%(account)s: money must be an amount such as 1200.50, not “%(value)s”."
                        )
                        % {"account": name, "value": values["money"]}
                    )
                    money = None
            impacts.append(
                Impact(
                    account_id=row["account"].pk,
                    units=numbers["units"],
                    people=numbers["people"],
                    money=money,
                    impact=values["impact"][:500],
                )
            )
        return impacts
