from django import forms
from django.utils.translation import gettext_lazy as _

from amends.accounts.models import Account, Band, Contact, Kind, Lifecycle, Segment, Tier
from amends.people.access import WRITE, teams_for
from amends.people.models import Membership, User


class AccountFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    lifecycle = forms.ChoiceField(
        label=_("Lifecycle state"),
        required=False,
        choices=[("", _("Any state")), *Lifecycle.choices],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *Kind.choices]
    )
    tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("Any tier")), *Tier.choices]
    )
    band = forms.ChoiceField(
        label=_("Health"), required=False, choices=[("", _("Any health")), *Band.choices]
    )
    segment = forms.ChoiceField(
        label=_("Segment"), required=False, choices=[("", _("Any segment")), *Segment.choices]
    )


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = [
            "name",
            "kind",
            "team",
            "owner",
            "annual_value",
            "currency",
            "tier",
            "lifecycle",
            "language",
            "external_id",
        ]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        teams = teams_for(user, WRITE)
        self.fields["team"].queryset = teams
        members = Membership.objects.filter(team__in=teams).values("user_id")
        self.fields["owner"].queryset = User.objects.filter(is_active=True, id__in=members)
        self.fields["external_id"].help_text = _("The id this account has in your other systems.")
        if teams.count() == 1 and not self.instance.pk:
            self.fields["team"].initial = teams.first()


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "role", "email", "phone", "language", "is_decision_maker"]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, with a header line."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 50 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 50 MB."))
        return upload
