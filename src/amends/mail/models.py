from django.db import models
from django.utils.translation import gettext_lazy as _

from amends.accounts.models import Account, Contact
from amends.comms.models import Message
from amends.complaints.models import Complaint
from amends.people.models import Team
from amends.recovery.models import RecoveryCase


class Security(models.TextChoices):
    SSL = "ssl", _("TLS from the start (port 993)")
    STARTTLS = "starttls", _("STARTTLS (port 143)")
    NONE = "none", _("None (only on a private network)")


class Mailbox(models.Model):
    """A team's mail: the address customers write to, and where Amends collects it.
    Without an IMAP host the team's mail server pipes mail into ``amends mail receive``."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="mailbox")
    address = models.EmailField(
        _("address customers write to"),
        help_text=_("Answers go out from it, and replies come back to reply+…@ its domain."),
    )
    imap_host = models.CharField(_("IMAP server"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("port"), default=993)
    imap_security = models.CharField(
        _("security"), max_length=8, choices=Security.choices, default=Security.SSL
    )
    imap_user = models.CharField(_("user name"), max_length=200, blank=True)
    # Encrypted with a key made from the SECRET_KEY (mail.secrets), never shown again.
    imap_password = models.TextField(blank=True)
    imap_password_env = models.CharField(
        _("or the environment variable that holds the password"), max_length=100, blank=True
    )
    imap_folder = models.CharField(_("folder to read"), max_length=200, default="INBOX")
    imap_done_folder = models.CharField(
        _("folder to move read mail to"),
        max_length=200,
        blank=True,
        help_text=_("Empty: the mail stays where it is, marked as read by Amends."),
    )
    acknowledge = models.BooleanField(
        _("acknowledge new mail automatically"),
        default=False,
        help_text=_(
            "A short answer in the customer's language saying we have their message: "
            "never to automatic mail, at most once a day per conversation."
        ),
    )
    active = models.BooleanField(_("collect mail"), default=True)
    # The worker that polls it holds it until then (a second worker leaves it alone).
    claimed_until = models.DateTimeField(null=True, blank=True)
    polled_at = models.DateTimeField(null=True, blank=True)
    poll_error = models.CharField(max_length=500, blank=True)
    poll_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("mailbox")

    def __str__(self) -> str:
        return self.address


class Direction(models.TextChoices):
    IN = "in", _("From the customer")
    OUT = "out", _("From us")


class MailKind(models.TextChoices):
    MESSAGE = "message", _("Mail")
    AUTO = "auto", _("Automatic reply")
    LIST = "list", _("List or bulk mail")
    BOUNCE = "bounce", _("Delivery report")


class Mail(models.Model):
    """One mail of a conversation with a customer, received or sent. The thread is
    the inbox conversation (``complaint``), the recovery case, or both."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=8, choices=MailKind.choices, default=MailKind.MESSAGE)
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, null=True, blank=True, related_name="mails"
    )
    case = models.ForeignKey(
        RecoveryCase, on_delete=models.SET_NULL, null=True, blank=True, related_name="mails"
    )
    account = models.ForeignKey(
        Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Without its <>; a digest of the bytes ("sha256:…") for mail that has none.
    message_id = models.CharField(max_length=255)
    in_reply_to = models.CharField(max_length=255, blank=True)
    references = models.TextField(blank=True)
    from_email = models.CharField(_("from"), max_length=254)
    from_name = models.CharField(max_length=200, blank=True)
    to = models.TextField(_("to"), blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    text = models.TextField(_("text"), blank=True)
    quoted = models.TextField(blank=True)
    html = models.TextField(blank=True)
    at = models.DateTimeField(_("when"))
    size = models.PositiveIntegerField(default=0)
    # What was odd about it and how it was read ("charset: …", "mime: …").
    notes = models.TextField(blank=True)
    # Sent by us: the delivery log row that carries it.
    outgoing = models.OneToOneField(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="mail"
    )

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            # The same mail received twice (a second poll, a retried pipe) is kept once.
            models.UniqueConstraint(fields=["team", "message_id"], name="mail_once_per_team")
        ]
        indexes = [
            models.Index(fields=["complaint", "at"], name="mail_conversation"),
            models.Index(fields=["case", "at"], name="mail_case"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.from_email}: {self.subject}"


class Attachment(models.Model):
    """A file that came with a mail. Kept in the database, in the same transaction
    as its mail: a mail is stored whole or not at all."""

    mail = models.ForeignKey(Mail, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    content_id = models.CharField(max_length=200, blank=True)
    inline = models.BooleanField(default=False)
    data = models.BinaryField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename
