"""The API of messages on a case, the apology coach and value summaries.

Sending answers 201 when the message went out now, 200 when it had been sent
before and nothing happened (``already_sent``), and 202 when it is logged but the
mail server did not take it yet (the worker tries again)."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from amends.accounts.selectors import account_get_for
from amends.comms.coach import LEXICONS, coach_check, coach_score, language_of
from amends.comms.models import Message, MessageState
from amends.comms.rendering import CASE_KINDS, case_message_key
from amends.comms.services import Outgoing, message_send
from amends.comms.value import (
    MAX_DAYS,
    value_draft,
    value_period_default,
    value_summary,
)
from amends.core.api import ERRORS
from amends.people.access import WRITE, user_can
from amends.recovery.selectors import case_get_for
from amends.timeline.services import Actor

router = Router(tags=["messages"])


class CoachIn(Schema):
    text: str = Field(max_length=20_000)
    kind: str = Field("apology", description="apology or explanation")
    language: str | None = Field(None, description="en, zh-hans, el or pl; guessed if left out")
    author: str = Field("", description="the name the draft should be signed with")


class FindingOut(Schema):
    check: str
    ok: bool
    message: str
    evidence: list[str]


class CoachOut(Schema):
    language: str
    passed: int
    total: int
    findings: list[FindingOut]


@router.post("/coach", response={200: CoachOut, **ERRORS}, summary="The apology coach's advice")
def coach(request, payload: CoachIn):
    if payload.kind not in ("apology", "explanation"):
        raise ValidationError({"kind": gettext("must be apology or explanation")})
    language = payload.language if payload.language in LEXICONS else language_of(payload.text)
    findings = coach_check(
        payload.text, kind=payload.kind, language=language, author=payload.author
    )
    passed, total = coach_score(findings)
    return {
        "language": language,
        "passed": passed,
        "total": total,
        "findings": [
            {"check": f.check, "ok": f.ok, "message": str(f.message), "evidence": f.evidence}
            for f in findings
        ],
    }


class MessageOut(Schema):
    id: int
    kind: str
    case_id: int | None
    account_id: int | None
    to_email: str = Field(alias="recipient_email")
    to_name: str = Field(alias="recipient_name")
    language: str
    subject: str
    body: str
    state: str
    error: str
    attempts: int
    message_id: str
    created_at: datetime
    sent_at: datetime | None
    sent_by: str | None
    resend_of_id: int | None

    @staticmethod
    def resolve_sent_by(obj) -> str | None:
        return obj.sent_by.username if obj.sent_by_id else None


class SendIn(Schema):
    kind: str = Field(description="first_contact, apology, explanation, update or follow_up")
    to_email: str
    to_name: str = ""
    subject: str = Field(max_length=300)
    body: str = Field(max_length=20_000)
    language: str = ""
    resend: bool = Field(False, description="send again what was already sent (a new log row)")


class SendOut(Schema):
    sent_now: bool
    already_sent: bool
    message: MessageOut


@router.get(
    "/cases/{case_id}/messages",
    response={200: list[MessageOut], **ERRORS},
    summary="The messages sent on a case",
)
def list_case_messages(request, case_id: int):
    case = case_get_for(user=request.user, case_id=case_id)
    return list(Message.objects.filter(case=case).select_related("sent_by"))


@router.post(
    "/cases/{case_id}/messages",
    response={200: SendOut, 201: SendOut, 202: SendOut, **ERRORS},
    summary="Send a message on a case, once",
)
def send_case_message(request, case_id: int, payload: SendIn):
    case = case_get_for(user=request.user, case_id=case_id)
    if not user_can(request.user, WRITE, case.account.team_id):
        raise PermissionDenied(gettext("You may look at this case but not write from it."))
    if payload.kind not in CASE_KINDS:
        raise ValidationError(
            {"kind": gettext("must be one of %(kinds)s") % {"kinds": ", ".join(CASE_KINDS)}}
        )
    try:
        validate_email(payload.to_email)
    except ValidationError:
        raise ValidationError({"to_email": gettext("is not an email address")}) from None
    outgoing = Outgoing(
        key=case_message_key(case=case, kind=payload.kind, email=payload.to_email),
        kind=payload.kind,
        to_email=payload.to_email,
        to_name=payload.to_name,
        subject=payload.subject,
        body=payload.body,
        language=payload.language,
        case=case,
    )
    result = message_send(actor=Actor.api(request), outgoing=outgoing, resend=payload.resend)
    body = {
        "sent_now": result.sent_now,
        "already_sent": result.already_sent,
        "message": result.message,
    }
    if result.already_sent:
        return Status(200, body)
    if result.message.state == MessageState.SENT:
        return Status(201, body)
    return Status(202, body)


class ValueQuery(Schema):
    start: date | None = Field(None, description="the first day counted (default: 90 days ago)")
    end: date | None = Field(None, description="the last day counted (default: today)")
    language: str = Field("", description="the draft's language (default: the contact's)")


class OrderTotalOut(Schema):
    currency: str
    count: int
    amount: str


class GestureOut(Schema):
    at: datetime
    gift_kind: str
    description: str


class DraftOut(Schema):
    language: str
    to_email: str
    subject: str
    body: str


class ValueSummaryOut(Schema):
    account_id: int
    start: date
    end: date
    orders: int
    order_totals: list[OrderTotalOut]
    complaints_resolved: int
    promises_kept: int
    promises_kept_late: int
    gestures: list[GestureOut]
    cases_recovered: int
    draft: DraftOut


@router.get(
    "/accounts/{account_id}/value-summary",
    response={200: ValueSummaryOut, **ERRORS},
    summary="What an account got from us in a period, and the message that says so",
)
def account_value_summary(request, account_id: int, query: Query[ValueQuery]):
    account = account_get_for(user=request.user, account_id=account_id)
    default_start, default_end = value_period_default()
    start, end = query.start or default_start, query.end or default_end
    if end < start:
        raise ValidationError({"end": gettext("is before start")})
    if (end - start).days > MAX_DAYS:
        raise ValidationError(
            {
                "start": gettext("the period may be at most %(max_days)s days")
                % {"max_days": MAX_DAYS}
            }
        )
    summary = value_summary(account=account, start=start, end=end)
    contact = account.contacts.exclude(email="").first()
    draft = value_draft(
        summary=summary, sender=request.user, contact=contact, language=query.language
    )
    return {
        "account_id": account.pk,
        "start": start,
        "end": end,
        "orders": summary.orders,
        "order_totals": [
            {"currency": t.currency, "count": t.count, "amount": f"{t.amount:.2f}"}
            for t in summary.order_totals
        ],
        "complaints_resolved": summary.complaints_resolved,
        "promises_kept": summary.promises_kept,
        "promises_kept_late": summary.promises_kept_late,
        "gestures": [
            {"at": g.at, "gift_kind": g.gift_kind, "description": g.description}
            for g in summary.gestures
        ],
        "cases_recovered": summary.cases_recovered,
        "draft": {
            "language": draft.language,
            "to_email": contact.email if contact else "",
            "subject": draft.subject,
            "body": draft.body,
        },
    }
