"""Forms for the inbox, the complaint page and the public feedback page. The
services check the same rules again, so the API and the web agree."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from amends.complaints.feedback import HONEYPOT
from amends.complaints.intake import NAME_MAX
from amends.complaints.models import Channel, Flag
from amends.complaints.selectors import ComplaintFilters
from amends.complaints.services import TEXT_MAX
from amends.core.textsearch import QUERY_MAX
from amends.incidents.models import Severity

TEXT = forms.Textarea(attrs={"rows": 4})

SHOW = [
    ("", _("All")),
    ("unacknowledged", _("Not acknowledged")),
    ("late", _("Late")),
    ("open", _("Not resolved")),
    ("resolved", _("Resolved")),
]
FLAGS = [
    ("", _("Any")),
    ("flagged", _("Flagged")),
    (Flag.VENTING, Flag.VENTING.label),
    (Flag.ABUSIVE, Flag.ABUSIVE.label),
]


class InboxFilterForm(forms.Form):
    show = forms.ChoiceField(label=_("Show"), choices=SHOW, required=False)
    flag = forms.ChoiceField(label=_("Flag"), choices=FLAGS, required=False)
    channel = forms.ChoiceField(
        label=_("Way in"), choices=[("", _("Any")), *Channel.choices], required=False
    )
    assigned = forms.ChoiceField(
        label=_("Assigned"),
        choices=[("", _("Anyone")), ("me", _("To me")), ("nobody", _("To nobody"))],
        required=False,
    )
    account = forms.IntegerField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(
        label=_("Search"),
        max_length=QUERY_MAX,
        required=False,
        # Enter searches; leaving the box does not ask again (its late answer would
        # replace the list under a click, e.g. rows just chosen for a bulk action).
        widget=forms.TextInput(attrs={"type": "search", "data-no-form-change": ""}),
    )

    def filters(self) -> ComplaintFilters:
        data = self.cleaned_data if self.is_valid() else {}
        show = data.get("show", "")
        return ComplaintFilters(
            unacknowledged=show == "unacknowledged",
            late=show == "late",
            resolved={"open": False, "resolved": True}.get(show),
            flag=data.get("flag", ""),
            channel=data.get("channel", ""),
            account=data.get("account"),
            assigned=data.get("assigned", ""),
            q=data.get("q", ""),
        )


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Our answer"), widget=TEXT, max_length=TEXT_MAX)


class SatisfactionForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you now, from 1 (not at all) to 5 (completely)?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )


class FlagForm(forms.Form):
    flag = forms.ChoiceField(label=_("Flag"), choices=Flag.choices, required=False)
    staff = forms.ModelChoiceField(
        queryset=None, label=_("Who on the staff was abused"), required=False, empty_label="—"
    )
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, staff=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff


class CaseOpenForm(forms.Form):
    severity = forms.TypedChoiceField(
        label=_("Severity"), choices=Severity.choices, coerce=int, initial=Severity.MODERATE
    )


class CaseLinkForm(forms.Form):
    case = forms.ModelChoiceField(queryset=None, label=_("Case"), empty_label=None)

    def __init__(self, *args: Any, cases=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases


class AccountLinkForm(forms.Form):
    account = forms.IntegerField(widget=forms.HiddenInput)


class FeedbackPageForm(forms.Form):
    intro = forms.CharField(
        label=_("A word to your customers at the top of the page"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


class FeedbackForm(forms.Form):
    """The public form. The customer's words are kept as they typed them."""

    name = forms.CharField(label=_("Your name"), max_length=NAME_MAX)
    email = forms.EmailField(label=_("Your email"), help_text=_("So that we can answer you."))
    company = forms.CharField(
        label=_("Your company or account (optional)"), max_length=NAME_MAX, required=False
    )
    message = forms.CharField(
        label=_("What happened? Tell us everything, good or bad."),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=TEXT_MAX,
        strip=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Hidden from people by CSS and from screen readers; robots fill it in.
        self.fields[HONEYPOT] = forms.CharField(
            label=_("Leave this empty"),
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        )

    def clean_message(self) -> str:
        message = self.cleaned_data["message"]
        if not message.strip():
            raise forms.ValidationError(_("Tell us what happened."))
        return message
