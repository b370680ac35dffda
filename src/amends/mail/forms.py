import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from amends.complaints.services import TEXT_MAX
from amends.mail.models import Mailbox


def _draft() -> str:
    return secrets.token_hex(12)


class AnswerByMailForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Thank them, say what you will do, in the first person. It goes to them by "
            "mail now, in this thread, and their answer comes back here."
        ),
    )
    # Names this answer: a second click, or the same form sent again, sends it once.
    draft = forms.CharField(widget=forms.HiddenInput, initial=_draft, max_length=40)


class MailboxForm(forms.ModelForm):
    password = forms.CharField(
        label=_("password or app password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted; leave empty to keep the one stored."),
    )

    class Meta:
        model = Mailbox
        fields = [
            "address",
            "imap_host",
            "imap_port",
            "imap_security",
            "imap_user",
            "imap_password_env",
            "imap_folder",
            "imap_done_folder",
            "acknowledge",
            "active",
        ]
