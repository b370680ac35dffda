"""Reading mail: a conversation's mails, a case's whole exchange with the customer,
a file for someone who may see it, the mailboxes a manager keeps."""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch
from django.http import Http404

from amends.comms.models import Message
from amends.complaints import selectors as complaint_selectors
from amends.complaints.models import Complaint
from amends.mail.models import Attachment, Direction, Mail, Mailbox
from amends.mail.parse import html_safe
from amends.people.access import READ, team_ids_for, teams_for, user_manages_team
from amends.people.models import Team, User
from amends.recovery.models import RecoveryCase

SHOWN = 200  # mails shown in one conversation; older ones are counted


@dataclass
class ConversationItem:
    """One mail of an exchange, ready to show."""

    direction: str
    at: datetime
    who: str
    subject: str
    text: str
    quoted: str = ""
    html: str = ""  # made safe
    kind: str = "message"
    state: str = ""  # ours: queued, sent, failed
    notes: str = ""
    attachments: list[Attachment] = field(default_factory=list)


def _files() -> Prefetch:
    return Prefetch("attachments", queryset=Attachment.objects.defer("data"))


def _item(mail: Mail) -> ConversationItem:
    return ConversationItem(
        direction=mail.direction,
        at=mail.at,
        who=mail.from_name or mail.from_email,
        subject=mail.subject,
        text=mail.text,
        quoted=mail.quoted,
        html=html_safe(mail.html) if mail.html else "",
        kind=mail.kind,
        state=mail.outgoing.state if mail.outgoing_id and mail.outgoing else "",
        notes=mail.notes,
        attachments=list(mail.attachments.all()),
    )


def conversation_mails(*, complaint: Complaint) -> list[ConversationItem]:
    mails = (
        Mail.objects.filter(complaint=complaint)
        .select_related("outgoing")
        .prefetch_related(_files())
        .order_by("-at", "-id")[:SHOWN]
    )
    return [_item(mail) for mail in reversed(list(mails))]


def case_conversation(*, case: RecoveryCase) -> list[ConversationItem]:
    """Everything the customer and we wrote about the case, in order: what they sent
    (to the case, or to the conversation it was opened from), our answers and our
    case messages."""
    # Two index walks (the case's mail, and its conversations' mail), not one OR
    # across a join, which read every mail there is (70 ms at 200,000 conversations).
    conversations = list(
        Complaint.objects.filter(case=case).order_by().values_list("pk", flat=True)
    )
    found: dict[int, Mail] = {}
    for threads in (
        Mail.objects.filter(case=case),
        Mail.objects.filter(complaint__in=conversations),
    ):
        for mail in (
            threads.select_related("outgoing")
            .prefetch_related(_files())
            .order_by("-at", "-id")[:SHOWN]
        ):
            found[mail.pk] = mail
    mails = sorted(found.values(), key=lambda mail: (mail.at, mail.pk), reverse=True)[:SHOWN]
    items = [_item(mail) for mail in mails]
    carried = {mail.outgoing_id for mail in mails if mail.outgoing_id}
    for message in Message.objects.filter(case=case).order_by("-created_at")[:SHOWN]:
        if message.pk in carried:
            continue
        items.append(
            ConversationItem(
                direction=Direction.OUT,
                at=message.sent_at or message.created_at,
                who=message.get_kind_display(),
                subject=message.subject,
                text=message.body,
                state=message.state,
            )
        )
    return sorted(items, key=lambda item: item.at)


def attachment_get_for(*, user: User | AnonymousUser, attachment_id: int) -> Attachment:
    """A file, for a member of the team whose mail brought it; 404 for anyone else."""
    teams = team_ids_for(user, READ)
    files = Attachment.objects.select_related("mail")
    if teams is not None:
        files = files.filter(mail__team_id__in=teams)
    found = files.filter(pk=attachment_id).first()
    if found is None:
        raise Http404("No such file.")
    return found


def mailbox_for(*, team_id: int) -> Mailbox | None:
    return Mailbox.objects.filter(team_id=team_id).first()


def mailboxes_for(user: User | AnonymousUser) -> list[tuple[Team, Mailbox | None]]:
    """The teams this person manages, each with its mailbox if it has one."""
    teams = [
        team for team in teams_for(user, READ).order_by("name") if user_manages_team(user, team.pk)
    ]
    boxes = {box.team_id: box for box in Mailbox.objects.filter(team__in=teams)}
    return [(team, boxes.get(team.pk)) for team in teams]


def team_get_managed(*, user: User | AnonymousUser, team_id: int) -> Team:
    refusal = "Only the team's managers set up its mailbox."
    return complaint_selectors.team_get_managed(user=user, team_id=team_id, refusal=refusal)
