"""Forms for the parting page. The services check the same rules again, so the API
and the screens refuse the same things with the same words."""

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amends.parting.models import Decision, ExitItemKind
from amends.parting.services import ExitItemInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})
ITEM_KINDS = [(k, label) for k, label in ExitItemKind.choices if k != ExitItemKind.END]
# The rows the decision form offers; blank deliverables and next steps are left out.
PLAN_ROWS = [
    ("deliverable1", ExitItemKind.DELIVERABLE),
    ("deliverable2", ExitItemKind.DELIVERABLE),
    ("data_handover", ExitItemKind.DATA_HANDOVER),
    ("final_invoice", ExitItemKind.FINAL_INVOICE),
    ("next_step1", ExitItemKind.NEXT_STEP),
    ("next_step2", ExitItemKind.NEXT_STEP),
]


class ConversationForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    not_working = forms.CharField(label=_("What is not working"), widget=TEXT)
    our_part = forms.CharField(
        label=_("Our part in it"),
        widget=TEXT,
        help_text=_("Admit it first: what did we do, or fail to do?"),
    )
    their_part = forms.CharField(label=_("Their part in it"), widget=TEXT)
    options = forms.CharField(label=_("The options discussed"), widget=TEXT)
    our_people = forms.ModelMultipleChoiceField(
        queryset=None, label=_("Who was there from us"), widget=forms.CheckboxSelectMultiple
    )
    their_people = forms.CharField(label=_("Who was there from the customer"), max_length=300)

    def __init__(self, *args: Any, members=None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "conversation")
        super().__init__(*args, **kwargs)
        self.fields["our_people"].queryset = members
        self.fields["held_at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("What did you decide together?"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
    )
    owner = forms.ModelChoiceField(queryset=None, label=_("Owner"), empty_label=None)
    # Continue
    agreed = forms.CharField(label=_("What we agreed"), widget=TEXT, required=False)
    attentive_days = forms.IntegerField(
        label=_("Attentive period (days)"), min_value=7, max_value=365, initial=60, required=False
    )
    follow_up_every_days = forms.IntegerField(
        label=_("Follow up every (days)"), min_value=1, max_value=365, initial=14, required=False
    )
    # Part
    end_on = forms.DateField(label=_("Service ends on"), widget=DATE, required=False)
    update_every_days = forms.IntegerField(
        label=_("Progress update every (days)"),
        min_value=1,
        max_value=90,
        initial=7,
        required=False,
    )
    note = forms.CharField(label=_("Why we part, in a sentence"), widget=TEXT, required=False)

    def __init__(self, *args: Any, workers=None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "decision")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = workers
        soon = timezone.localdate() + timedelta(days=30)
        self.fields["end_on"].initial = soon
        for row, kind in PLAN_ROWS:
            self.fields[f"{row}_what"] = forms.CharField(
                label=ExitItemKind(kind).label, max_length=250, required=False
            )
            self.fields[f"{row}_owner"] = forms.ModelChoiceField(
                queryset=workers, label=_("Owner"), required=False
            )
            self.fields[f"{row}_due_on"] = forms.DateField(
                label=_("By"), widget=DATE, required=False, initial=soon
            )
        self.item_names: dict[str, str] = {}

    def plan_rows(self):
        """(row, kind, what field, owner field, date field) for the template."""
        return [
            (row, kind, self[f"{row}_what"], self[f"{row}_owner"], self[f"{row}_due_on"])
            for row, kind in PLAN_ROWS
        ]

    def items(self) -> list[ExitItemInput]:
        """The rows filled in, in order; ``item_names`` maps the service's
        ``items.N.field`` back to this form's fields."""
        found = []
        for row, kind in PLAN_ROWS:
            what = self.cleaned_data.get(f"{row}_what") or ""
            if not what.strip():
                continue
            found.append(
                ExitItemInput(
                    kind=kind,
                    what=what,
                    owner=self.cleaned_data.get(f"{row}_owner") or self.cleaned_data.get("owner"),
                    due_on=self.cleaned_data.get(f"{row}_due_on"),
                )
            )
            for field in ("what", "owner", "due_on"):
                self.item_names[f"items.{len(found)}.{field}"] = f"{row}_{field}"
        return found


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Part of the exit"), choices=ITEM_KINDS)
    what = forms.CharField(label=_("What"), max_length=250)
    owner = forms.ModelChoiceField(queryset=None, label=_("Owner"), empty_label=None)
    due_on = forms.DateField(label=_("By"), widget=DATE)

    def __init__(self, *args: Any, workers=None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "item")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = workers


class UpdateForm(forms.Form):
    text = forms.CharField(
        label=_("The update, as the customer will read it"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=5000,
    )


class FinalConversationForm(forms.Form):
    note = forms.CharField(label=_("What was said"), widget=TEXT)


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How did we handle the parting?"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("5 is very well, 1 is badly."),
    )
    would_recommend = forms.NullBooleanField(
        label=_("Would they recommend us to someone we suit better?"),
        widget=forms.Select(
            choices=[("unknown", _("Not asked")), ("true", _("Yes")), ("false", _("No"))]
        ),
        required=False,
    )
    comment = forms.CharField(label=_("In their words"), widget=TEXT, required=False)


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Closing note"), widget=TEXT, required=False)


class LetGoForm(forms.Form):
    reason = forms.CharField(label=_("Why we let them go"), widget=TEXT)
    protected_staff = forms.ModelMultipleChoiceField(
        queryset=None,
        label=_("Staff to protect"),
        help_text=_("They are taken off this customer: ownership and promises move to the owner."),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    owner = forms.ModelChoiceField(queryset=None, label=_("Owner of the exit"), empty_label=None)
    end_on = forms.DateField(label=_("Service ends on"), widget=DATE)
    data_handover = forms.CharField(label=_("Data hand-over"), max_length=250)
    data_handover_on = forms.DateField(label=_("Data hand-over by"), widget=DATE)
    final_invoice = forms.CharField(label=_("Final invoice"), max_length=250)
    final_invoice_on = forms.DateField(label=_("Final invoice by"), widget=DATE)

    def __init__(self, *args: Any, members=None, workers=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["protected_staff"].queryset = members
        self.fields["owner"].queryset = workers
        soon = timezone.localdate() + timedelta(days=14)
        for name in ("end_on", "data_handover_on", "final_invoice_on"):
            self.fields[name].initial = soon

    def items(self) -> list[ExitItemInput]:
        owner = self.cleaned_data["owner"]
        return [
            ExitItemInput(
                ExitItemKind.DATA_HANDOVER,
                self.cleaned_data["data_handover"],
                owner,
                self.cleaned_data["data_handover_on"],
            ),
            ExitItemInput(
                ExitItemKind.FINAL_INVOICE,
                self.cleaned_data["final_invoice"],
                owner,
                self.cleaned_data["final_invoice_on"],
            ),
        ]

    NAMES = {
        "items.1.what": "data_handover",
        "items.1.due_on": "data_handover_on",
        "items.2.what": "final_invoice",
        "items.2.due_on": "final_invoice_on",
    }
