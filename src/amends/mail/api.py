"""A conversation's mail through the API, answering by mail, and a raw mail upload
for integrators who receive mail elsewhere: the same rules as the mail server's pipe."""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from amends.complaints.selectors import complaint_get_for
from amends.core.api import ERRORS, ErrorOut
from amends.mail.models import Mail
from amends.mail.services import Refused, conversation_answer, mail_receive
from amends.people.access import READ, WRITE, teams_for, user_can
from amends.timeline.services import Actor

router = Router(tags=["mail"])


class FileOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str

    @staticmethod
    def resolve_url(obj) -> str:
        return f"/mail/files/{obj.pk}/"


class MailOut(Schema):
    id: int
    direction: str = Field(description="in: from the customer; out: from us")
    kind: str = Field(description="message, auto (automatic reply), list or bounce")
    at: datetime
    from_email: str
    from_name: str
    to: str
    subject: str
    text: str = Field(description="what they wrote this time")
    quoted: str = Field(description="the history they quoted")
    conversation_id: int | None
    case_id: int | None
    state: str = Field("", description="ours: queued, sending, sent or failed")
    files: list[FileOut]

    @staticmethod
    def resolve_conversation_id(obj) -> int | None:
        return obj.complaint_id

    @staticmethod
    def resolve_state(obj) -> str:
        return obj.outgoing.state if obj.outgoing_id else ""

    @staticmethod
    def resolve_files(obj) -> list:
        return list(obj.attachments.defer("data"))


class MailAnswerIn(Schema):
    text: str = Field(min_length=1, max_length=5000)
    draft: str = Field(
        "",
        max_length=40,
        pattern=r"^[A-Za-z0-9]*$",
        description="names this answer: the same draft sent twice goes out once",
    )


class ReceivedOut(Schema):
    outcome: str = Field(description="new, reply, auto, list, bounce or duplicate")
    mail: MailOut


@router.get(
    "/complaints/{complaint_id}/mails",
    response={200: list[MailOut], **ERRORS},
    summary="A conversation's mail, sent and received, oldest first",
)
def list_mails(request: HttpRequest, complaint_id: int):
    complaint = complaint_get_for(user=request.user, complaint_id=complaint_id)
    return list(
        Mail.objects.filter(complaint=complaint)
        .select_related("outgoing")
        .order_by("at", "id")[:500]
    )


@router.post(
    "/complaints/{complaint_id}/mails",
    response={201: MailOut, **ERRORS},
    summary="Answer the customer by mail, in the conversation's thread",
)
def answer_by_mail(request: HttpRequest, complaint_id: int, payload: MailAnswerIn):
    complaint = complaint_get_for(user=request.user, complaint_id=complaint_id, action=WRITE)
    mail = conversation_answer(
        actor=Actor.api(request), complaint=complaint, text=payload.text, draft=payload.draft
    )
    return Status(201, mail)


@router.post(
    "/mail/raw",
    response={200: ReceivedOut, 400: ErrorOut, **ERRORS},
    summary="Hand over one RFC 5322 mail received elsewhere",
    description="The request body is the mail itself (Content-Type: message/rfc822). "
    "`team` is the receiving team's slug. 200 with the outcome (a duplicate too); "
    "400 with the reason when the mail is refused.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def upload_raw(request: HttpRequest, team: str):
    chosen = teams_for(request.user, READ).filter(slug=team).first()
    if chosen is None:
        raise HttpError(404, f"team: no team {team!r} that you can see")
    if not user_can(request.user, WRITE, chosen.pk):
        raise PermissionDenied(gettext("You may read this team's mail but not hand mail to it."))
    try:
        received = mail_receive(team=chosen, raw=request.body)
    except Refused as refusal:
        return Status(400, {"message": f"refused: {refusal.reason}", "errors": []})
    return {"outcome": received.outcome, "mail": received.mail}
