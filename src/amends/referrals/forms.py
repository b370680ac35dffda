"""Forms for the referrals list and for recording one. The service checks the
same rules again (same team, not itself, not twice), so the API and the web agree."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amends.referrals.models import NAME_MAX, NOTE_MAX
from amends.referrals.selectors import ReferralFilters


class ReferralFilterForm(forms.Form):
    former_only = forms.BooleanField(label=_("From former clients only"), required=False)
    account = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def filters(self) -> ReferralFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return ReferralFilters(
            former_only=bool(data.get("former_only")), account=data.get("account")
        )


class ReferralForm(forms.Form):
    """The referrer is fixed before this form is shown; the referred company is
    named, and linked to its account when it has one (picked from the matches)."""

    referred_name = forms.CharField(
        label=_("Referred company"),
        max_length=NAME_MAX,
        required=False,
        help_text=_("Its name. If it is one of your accounts already, choose it below."),
    )
    # Rendered by hand, as radio buttons for the few accounts whose names match:
    # a team may have thousands of accounts, too many for one list.
    referred_account = forms.ModelChoiceField(
        queryset=None, required=False, widget=forms.HiddenInput, label=_("Referred account")
    )
    referred_contact_name = forms.CharField(
        label=_("Contact there (optional)"), max_length=NAME_MAX, required=False
    )
    referred_contact_email = forms.EmailField(label=_("Contact's email (optional)"), required=False)
    referred_on = forms.DateField(
        label=_("Referred on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=NOTE_MAX,
        required=False,
    )

    def __init__(self, *args: Any, accounts=None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("referred_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["referred_account"].queryset = accounts
