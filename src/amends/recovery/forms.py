"""Forms for the case page. Each record kind has its own small form; the
services check the same rules again, so the API and the UI agree."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amends.core.shipped import shipped
from amends.people.models import User
from amends.recovery.models import Channel, Outcome, Playbook, Question, RecordKind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT = forms.Textarea(attrs={"rows": 3})

# Live help that an app above adds to a record form's field: (kind, field) -> the
# widget's extra attributes, given the id of the region that shows the help. The
# apology coach (comms) reads an apology's words as they are typed.
FIELD_ASSISTS: dict[tuple[str, str], Callable[[str], dict[str, str]]] = {}


class RecordForm(forms.Form):
    """Base for the record forms: when it happened, then the kind's own fields."""

    kind: str = ""
    at = forms.DateTimeField(label=_("When"), widget=DATETIME, required=False)

    def __init__(self, *args: Any, workers=None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.kind)
        super().__init__(*args, **kwargs)
        self.fields["at"].initial = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        self.assist_id = ""
        for (kind, name), attrs in FIELD_ASSISTS.items():
            if kind == self.kind and name in self.fields:
                self.assist_id = f"assist-{kind}"
                self.fields[name].widget.attrs.update(attrs(self.assist_id))

    def clean_at(self):
        at = self.cleaned_data.get("at")
        if at and at > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("Record what has happened, not what is planned."))
        return at

    def record_data(self) -> dict[str, Any]:
        skip = {"at", "by"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class ContactRecordForm(RecordForm):
    kind = RecordKind.CONTACT
    channel = forms.ChoiceField(label=_("How"), choices=Channel.choices)
    with_whom = forms.CharField(label=_("With whom"), max_length=200)
    note = forms.CharField(label=_("Note"), widget=TEXT, required=False)


class ConversationRecordForm(RecordForm):
    kind = RecordKind.CONVERSATION
    participants = forms.CharField(label=_("Who took part"), max_length=300)
    note = forms.CharField(label=_("Note"), widget=TEXT, required=False)
    other_question = forms.CharField(label=_("Another question"), max_length=300, required=False)
    other_answer = forms.CharField(label=_("Its answer"), widget=TEXT, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(Question.objects.filter(active=True))
        for question in self.questions:
            self.fields[f"q{question.pk}"] = forms.CharField(
                label=shipped(question.text), widget=TEXT, required=False
            )
        # The bank's questions first, then a free one.
        order = ["at", "participants", *(f"q{q.pk}" for q in self.questions)]
        self.order_fields([*order, "other_question", "other_answer", "note"])

    def record_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        answers = [
            {"question": q.text, "answer": data[f"q{q.pk}"]}
            for q in self.questions
            if data.get(f"q{q.pk}", "").strip()
        ]
        if data.get("other_question") or data.get("other_answer"):
            answers.append({"question": data["other_question"], "answer": data["other_answer"]})
        return {"participants": data["participants"], "note": data["note"], "answers": answers}


class ApologyRecordForm(RecordForm):
    kind = RecordKind.APOLOGY
    by = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Who apologised"))
    channel = forms.ChoiceField(label=_("How"), choices=Channel.choices)
    words = forms.CharField(
        label=_("The words used"),
        widget=TEXT,
        help_text=_("In the first person: “I am sorry that…”, not “the company regrets”."),
    )
    note = forms.CharField(label=_("Note"), widget=TEXT, required=False)

    def __init__(self, *args: Any, workers=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if workers is not None:
            self.fields["by"].queryset = workers


class ExplanationRecordForm(RecordForm):
    kind = RecordKind.EXPLANATION
    text = forms.CharField(
        label=_("What happened and why"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Plain words, no jargon, no blame on others."),
    )


class PreventiveChangeRecordForm(RecordForm):
    kind = RecordKind.PREVENTIVE_CHANGE
    what = forms.CharField(label=_("What we change"), max_length=300)
    owner = forms.CharField(label=_("Who makes the change"), max_length=120, required=False)
    due_at = forms.DateField(
        label=_("By when"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    how_customer_is_told = forms.CharField(
        label=_("How the customer will hear of future problems"), widget=TEXT
    )

    def record_data(self) -> dict[str, Any]:
        data = super().record_data()
        if data.get("due_at"):
            data["due_at"] = data["due_at"].isoformat()
        return data


class GestureRecordForm(RecordForm):
    kind = RecordKind.GESTURE
    gift_kind = forms.CharField(
        label=_("Kind of gesture"),
        max_length=120,
        help_text=_("Something of value next to the fix: training, an extra service, a visit."),
    )
    description = forms.CharField(label=_("Description"), widget=TEXT)
    cost = forms.DecimalField(label=_("Cost to us"), required=False, min_value=0, decimal_places=2)


class ValueReminderRecordForm(RecordForm):
    kind = RecordKind.VALUE_REMINDER
    summary = forms.CharField(label=_("The value we reminded them of"), widget=TEXT)


class FollowUpRecordForm(RecordForm):
    kind = RecordKind.FOLLOW_UP
    note = forms.CharField(label=_("What was said"), widget=TEXT)
    released = forms.BooleanField(
        label=_("The customer says we need not follow up any more"), required=False
    )


class SmallChanceRecordForm(RecordForm):
    kind = RecordKind.SMALL_CHANCE
    request = forms.CharField(
        label=_("What we asked for"),
        widget=TEXT,
        help_text=_("When they refuse: ask for one small chance to show it has changed."),
    )
    answer = forms.CharField(label=_("Their answer"), widget=TEXT, required=False)


class DecisionRecordForm(RecordForm):
    kind = RecordKind.DECISION
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("continue", _("Continue together")), ("part", _("Part by mutual decision"))],
    )
    note = forms.CharField(label=_("What was agreed"), widget=TEXT, required=False)


RECORD_FORMS: dict[str, type[RecordForm]] = {
    form.kind: form
    for form in [
        ContactRecordForm,
        ConversationRecordForm,
        ApologyRecordForm,
        ExplanationRecordForm,
        PreventiveChangeRecordForm,
        GestureRecordForm,
        ValueReminderRecordForm,
        FollowUpRecordForm,
        SmallChanceRecordForm,
        DecisionRecordForm,
    ]
}


class CommitmentForm(forms.Form):
    what = forms.CharField(label=_("What we promise"), max_length=300)
    measure = forms.CharField(
        label=_("How we will both know it is done"),
        max_length=300,
        help_text=_("Measurable: a number, a delivery, a document the customer can check."),
    )
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Who keeps it"))
    due_at = forms.DateTimeField(label=_("By when"), widget=DATETIME)
    free_of_charge = forms.BooleanField(label=_("Free of charge"), required=False, initial=False)

    def __init__(self, *args: Any, workers=None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "commitment")
        super().__init__(*args, **kwargs)
        if workers is not None:
            self.fields["owner"].queryset = workers


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class CommitmentResolveForm(forms.Form):
    ACTIONS = [("keep", _("Kept")), ("break", _("Broken")), ("renegotiate", _("Renegotiated"))]
    action = forms.ChoiceField(choices=ACTIONS)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
    due_at = forms.DateTimeField(label=_("New date"), widget=DATETIME, required=False)

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in ("break", "renegotiate") and not data.get("reason"):
            self.add_error("reason", _("Say why."))
        if action == "renegotiate" and not data.get("due_at"):
            self.add_error("due_at", _("A renegotiated promise needs a new date."))
        return data


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    note = forms.CharField(label=_("Closing note"), widget=TEXT, required=False)
    confirm_skipped = forms.BooleanField(
        label=_("Close it as recovered even though telling them first or the apology was skipped"),
        required=False,
    )

    def __init__(self, *args: Any, needs_confirm: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_confirm:
            del self.fields["confirm_skipped"]


class CaseOpenForm(forms.Form):
    playbook = forms.ModelChoiceField(
        queryset=Playbook.objects.all(), label=_("Playbook"), empty_label=None
    )
    severity = forms.TypedChoiceField(label=_("Severity"), coerce=int, initial=3)
    reason = forms.CharField(label=_("Why now"), max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from amends.incidents.models import Severity

        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = Severity.choices
