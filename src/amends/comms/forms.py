from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from amends.accounts.models import language_code
from amends.comms.models import MessageTemplate
from amends.comms.rendering import CASE_KINDS, template_check
from amends.comms.value import MAX_DAYS

BODY_MAX_CHARS = 20_000


def _language_choices():
    return [("", _("The contact's language")), *settings.LANGUAGES]


class MessageTemplateForm(forms.ModelForm):
    """A template's words. One that does not render is refused with the reason."""

    class Meta:
        model = MessageTemplate
        fields = ["kind", "language", "subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18, "spellcheck": "true"})}
        help_texts = {
            "language": _("A language code such as en, zh-hans, el or pl."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].validators.append(language_code)
        self.fields["body"].max_length = BODY_MAX_CHARS
        if self.instance.pk:
            # A template is found by kind and language: changing them would be a new one.
            self.fields["kind"].disabled = True
            self.fields["language"].disabled = True

    def clean_language(self):
        return self.cleaned_data["language"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        if "subject" in cleaned and "body" in cleaned:
            try:
                template_check(subject=cleaned["subject"], body=cleaned["body"])
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    for message in messages:
                        self.add_error(field, _("It does not render: %(why)s") % {"why": message})
        return cleaned


class ComposeForm(forms.Form):
    """What to write and to whom: the draft is made from this."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=[(k.value, k.label) for k in CASE_KINDS], initial="apology"
    )
    contact = forms.ModelChoiceField(
        label=_("To"),
        queryset=None,
        required=False,
        empty_label=_("Someone else (type the address)"),
    )
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices, required=False)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = account.contacts.exclude(email="")


class MessageForm(forms.Form):
    """A message as the person sends it, after editing the draft. ``resend`` comes
    from the confirmation step, which also asks for ``confirm``."""

    language = forms.CharField(
        max_length=10, required=False, validators=[language_code], widget=forms.HiddenInput
    )
    to_email = forms.EmailField(label=_("To (email)"))
    to_name = forms.CharField(label=_("Their name"), max_length=200, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "true"}),
    )
    resend = forms.BooleanField(required=False, widget=forms.HiddenInput)
    confirm = forms.BooleanField(label=_("Yes, send it again"), required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("resend") and not cleaned.get("confirm"):
            raise ValidationError(_("Tick “Yes, send it again” to send it a second time."))
        return cleaned

    def for_composing(self) -> "MessageForm":
        del self.fields["confirm"]
        return self

    def for_confirming(self) -> "MessageForm":
        """The same words, shown read-only, with the box to tick."""
        self.initial["resend"] = True
        for name, field in self.fields.items():
            if name not in ("confirm", "resend") and not field.widget.is_hidden:
                field.widget.attrs["readonly"] = True
        return self


class CaseMessageForm(MessageForm):
    kind = forms.ChoiceField(
        choices=[(k.value, k.label) for k in CASE_KINDS], widget=forms.HiddenInput
    )


class ValuePeriodForm(forms.Form):
    """The period a value summary counts, and to whom it goes."""

    start = forms.DateField(
        label=pgettext_lazy("start of a period", "From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    contact = forms.ModelChoiceField(
        label=_("Send to"),
        queryset=None,
        required=False,
        empty_label=_("Someone else (type the address)"),
    )
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices, required=False)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = account.contacts.exclude(email="")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                raise ValidationError({"end": _("The period ends before it starts.")})
            if end - start > timedelta(days=MAX_DAYS):
                raise ValidationError({"start": _("Choose a period of at most three years.")})
        return cleaned


class ValueMessageForm(MessageForm):
    start = forms.DateField(widget=forms.HiddenInput)
    end = forms.DateField(widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            raise ValidationError(_("The period ends before it starts."))
        return cleaned
