"""The inbox through the API, and the public feedback endpoint (no login)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from amends.complaints.feedback import (
    FeedbackRefused,
    form_token,
    form_token_check,
    honeypot_check,
    min_seconds,
    rate_limit_check,
)
from amends.complaints.intake import NAME_MAX, complaint_receive
from amends.complaints.models import Channel, Flag
from amends.complaints.selectors import (
    ComplaintFilters,
    accounts_suggested_for_parting,
    complaint_get_for,
    complaint_list,
    feedback_page_get_public,
)
from amends.complaints.services import (
    TEXT_MAX,
    complaint_acknowledge,
    complaint_answer,
    complaint_assign,
    complaint_classify,
    complaint_flag,
    complaint_resolve,
    complaint_satisfaction_record,
)
from amends.core.api import ERRORS, ErrorOut
from amends.core.pagination import page_of
from amends.core.textsearch import QUERY_MAX
from amends.people.access import WRITE, client_address
from amends.people.models import User
from amends.people.selectors import team_workers
from amends.timeline.models import Via
from amends.timeline.services import Actor

router = Router(tags=["complaints"])


class ComplaintOut(Schema):
    id: int
    team: str
    account_id: int | None
    signal_id: int | None
    channel: Channel
    received_at: datetime
    customer_name: str
    customer_email: str
    customer_company: str
    text: str
    acknowledge_by: datetime
    acknowledged_at: datetime | None
    late: bool
    answer: str
    answered_at: datetime | None
    answered_by: str | None
    case_id: int | None
    resolved_at: datetime | None
    satisfaction: int | None
    flag: str
    kind: str = Field(description="complaint, feedback, praise or question")
    assignee: str | None = Field(None, description="username of who answers it")
    subject: str = Field(description="the subject of the mail that opened it, if any")
    suggested_for_parting: bool = False

    @staticmethod
    def resolve_team(obj) -> str:
        return obj.team.slug

    @staticmethod
    def resolve_assignee(obj) -> str | None:
        return obj.assignee.username if obj.assignee_id else None

    @staticmethod
    def resolve_late(obj) -> bool:
        return obj.is_late(timezone.now())

    @staticmethod
    def resolve_answered_by(obj) -> str | None:
        return obj.answered_by.username if obj.answered_by_id else None


class ComplaintPage(Schema):
    items: list[ComplaintOut]
    count: int
    page: int
    pages: int
    page_size: int


class ComplaintQuery(Schema):
    unacknowledged: bool = False
    late: bool = Field(False, description="not acknowledged and past the deadline")
    resolved: bool | None = None
    flag: str = Field("", description="flagged (any flag), venting or abusive")
    channel: Channel | None = None
    account_id: int | None = None
    assigned: str = Field("", description="me (assigned to you), nobody, or empty for anyone")
    q: str = Field(
        "",
        max_length=QUERY_MAX,
        description="words in the conversation (its text, subject, sender and mail); "
        "the last may be the start of a word. Lists at most the latest 2,000 matches",
    )
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=200)


class AnswerIn(Schema):
    answer: str


class AssigneeIn(Schema):
    assignee: str | None = Field(description="a username of the team, or null for nobody")


class KindIn(Schema):
    kind: str = Field(description="complaint, feedback, praise or question")


class SatisfactionIn(Schema):
    satisfaction: int = Field(ge=1, le=5, description="1 (not at all) to 5 (completely)")


class FlagIn(Schema):
    flag: str = Field(description="venting, abusive, or empty to remove the flag")
    staff: str | None = Field(None, description="username of the person abused (abusive)")
    description: str = Field("", description="what happened (abusive)")


class FeedbackFormOut(Schema):
    team: str
    intro: str
    token: str = Field(description="send it back with the message")
    min_seconds: float


class FeedbackIn(Schema):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    email: str = Field(min_length=3, max_length=254)
    company: str = Field("", max_length=NAME_MAX)
    message: str = Field(min_length=1, max_length=TEXT_MAX)
    token: str = Field(description="from GET /api/v1/feedback/{public_key}")
    website: str = Field("", description="leave empty")


class FeedbackOut(Schema):
    message: str


def _with_suggestions(complaints: list) -> list:
    suggested = accounts_suggested_for_parting(
        account_ids=[c.account_id for c in complaints], now=timezone.now()
    )
    for complaint in complaints:
        complaint.suggested_for_parting = complaint.account_id in suggested
    return complaints


def _complaint(request, complaint_id: int, action: str = "read"):
    return complaint_get_for(user=request.user, complaint_id=complaint_id, action=action)


def _read(request, complaint_id: int):
    return _with_suggestions([_complaint(request, complaint_id)])[0]


@router.get("/complaints", response={200: ComplaintPage, **ERRORS}, summary="The inbox")
def list_complaints(request, query: Query[ComplaintQuery]):
    if query.flag not in ("", "flagged", Flag.VENTING, Flag.ABUSIVE):
        raise ValidationError({"flag": gettext("must be flagged, venting or abusive")})
    if query.assigned not in ("", "me", "nobody"):
        raise ValidationError({"assigned": gettext("must be me or nobody")})
    filters = ComplaintFilters(
        unacknowledged=query.unacknowledged,
        late=query.late,
        resolved=query.resolved,
        flag=query.flag,
        channel=query.channel or "",
        account=query.account_id,
        assigned=query.assigned,
        q=query.q,
    )
    complaints = complaint_list(user=request.user, filters=filters, now=timezone.now())
    page = page_of(complaints.select_related("answered_by"), query.page, query.page_size)
    return {
        "items": _with_suggestions(list(page.object_list)),
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "page_size": query.page_size,
    }


@router.get("/complaints/{complaint_id}", response={200: ComplaintOut, **ERRORS})
def read_complaint(request, complaint_id: int):
    return _read(request, complaint_id)


@router.post("/complaints/{complaint_id}/acknowledge", response={200: ComplaintOut, **ERRORS})
def acknowledge_complaint(request, complaint_id: int):
    complaint = _complaint(request, complaint_id, WRITE)
    complaint_acknowledge(actor=Actor.api(request), complaint=complaint)
    return _read(request, complaint_id)


@router.post(
    "/complaints/{complaint_id}/answer",
    response={200: ComplaintOut, **ERRORS},
    summary="Record an answer given another way (nothing is sent; to mail it, "
    "POST /complaints/{id}/mails)",
)
def answer_complaint(request, complaint_id: int, payload: AnswerIn):
    complaint = _complaint(request, complaint_id, WRITE)
    complaint_answer(actor=Actor.api(request), complaint=complaint, answer=payload.answer)
    return _read(request, complaint_id)


@router.post(
    "/complaints/{complaint_id}/assignee",
    response={200: ComplaintOut, **ERRORS},
    summary="Give the conversation to someone of the team (recorded; they are notified)",
)
def assign_complaint(request, complaint_id: int, payload: AssigneeIn):
    complaint = _complaint(request, complaint_id, WRITE)
    assignee = None
    if payload.assignee:
        workers = team_workers(team_id=complaint.team_id)
        assignee = workers.filter(username=payload.assignee).first()
        if assignee is None:
            message = f"no one named {payload.assignee!r} works for this team"
            raise ValidationError({"assignee": message})
    complaint_assign(actor=Actor.api(request), complaint=complaint, assignee=assignee)
    return _read(request, complaint_id)


@router.post(
    "/complaints/{complaint_id}/kind",
    response={200: ComplaintOut, **ERRORS},
    summary="Classify the conversation: complaint, feedback, praise or question",
)
def classify_complaint(request, complaint_id: int, payload: KindIn):
    complaint = _complaint(request, complaint_id, WRITE)
    complaint_classify(actor=Actor.api(request), complaint=complaint, kind=payload.kind)
    return _read(request, complaint_id)


@router.post("/complaints/{complaint_id}/resolve", response={200: ComplaintOut, **ERRORS})
def resolve_complaint(request, complaint_id: int):
    complaint = _complaint(request, complaint_id, WRITE)
    complaint_resolve(actor=Actor.api(request), complaint=complaint)
    return _read(request, complaint_id)


@router.post(
    "/complaints/{complaint_id}/satisfaction",
    response={200: ComplaintOut, **ERRORS},
    summary="The one question after resolution, 1 to 5",
)
def record_satisfaction(request, complaint_id: int, payload: SatisfactionIn):
    complaint = _complaint(request, complaint_id, WRITE)
    complaint_satisfaction_record(
        actor=Actor.api(request), complaint=complaint, score=payload.satisfaction
    )
    return _read(request, complaint_id)


@router.post(
    "/complaints/{complaint_id}/flag",
    response={200: ComplaintOut, **ERRORS},
    summary="Venting or abusive; abusive logs an abuse report against the account",
)
def flag_complaint(request, complaint_id: int, payload: FlagIn):
    complaint = _complaint(request, complaint_id, WRITE)
    staff = None
    if payload.staff:
        staff = User.objects.filter(username=payload.staff, is_active=True).first()
        if staff is None:
            raise ValidationError(
                {
                    "staff": gettext("no active user named %(staff)s")
                    % {"staff": repr(payload.staff)}
                }
            )
    complaint_flag(
        actor=Actor.api(request),
        complaint=complaint,
        flag=payload.flag,
        staff=staff,
        description=payload.description,
    )
    return _read(request, complaint_id)


# -- the public feedback endpoint --------------------------------------------------


@router.get(
    "/feedback/{public_key}",
    auth=None,
    response={200: FeedbackFormOut, 404: ErrorOut},
    summary="A fresh form token for a team's public feedback page (no login)",
)
def feedback_form(request: HttpRequest, public_key: str):
    page = feedback_page_get_public(public_key=public_key)
    return {
        "team": page.team.name,
        "intro": page.intro,
        "token": form_token(page),
        "min_seconds": min_seconds(),
    }


@router.post(
    "/feedback/{public_key}",
    auth=None,
    response={201: FeedbackOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Send a complaint or feedback to a team (no login)",
)
def feedback_send(request: HttpRequest, public_key: str, payload: FeedbackIn):
    page = feedback_page_get_public(public_key=public_key)
    try:
        rate_limit_check(page, client_address(request))
        honeypot_check(payload.website)
        form_token_check(page, payload.token)
    except FeedbackRefused as refused:
        if refused.field:
            raise ValidationError({refused.field: refused.message}) from None
        raise HttpError(refused.status, refused.message) from None
    try:
        complaint_receive(
            team=page.team,
            channel=Channel.FEEDBACK_PAGE,
            text=payload.message,
            customer_name=payload.name,
            customer_email=payload.email,
            customer_company=payload.company,
            via=Via.API,
        )
    except ValidationError as error:
        names = {"text": "message"}
        raise ValidationError(
            {names.get(field, field): texts for field, texts in error.message_dict.items()}
        ) from None
    return Status(201, {"message": "Thank you for telling us. A person will read it soon."})
