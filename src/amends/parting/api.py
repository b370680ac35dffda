"""The parting playbook over the API: the same services as the parting page."""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Field, Router, Schema, Status

from amends.accounts.selectors import account_get_for
from amends.core.api import ERRORS
from amends.parting.abuse import account_let_go_for_abuse
from amends.parting.closing import exit_feedback_record, exit_final_conversation, exit_plan_close
from amends.parting.conversation import conversation_record
from amends.parting.models import ExitItem, ExitPlan
from amends.parting.selectors import parting_case_get_for, parting_state
from amends.parting.services import (
    ExitItemInput,
    conversation_decide_continue,
    conversation_decide_part,
    exit_item_add,
    exit_item_done,
    exit_update_send,
)
from amends.people.access import WRITE, user_manages_team
from amends.people.models import User
from amends.people.selectors import team_members, team_workers
from amends.recovery.models import RecoveryCase
from amends.timeline.services import Actor

router = Router(tags=["parting"])


class ConversationOut(Schema):
    held_at: datetime
    not_working: str
    our_part: str
    their_part: str
    options: str
    our_people: list[str]
    their_people: str
    decision: str
    decided_at: datetime | None
    agreed: str
    attentive_until: date | None

    @staticmethod
    def resolve_our_people(obj) -> list[str]:
        return sorted(person.username for person in obj.our_people.all())


class ItemOut(Schema):
    id: int
    kind: str
    commitment_id: int
    what: str
    owner: str
    due_at: datetime
    status: str
    late: bool


class ExitPlanOut(Schema):
    kind: str
    end_on: date
    update_every_days: int
    next_update_due: datetime | None
    abuse_reason: str
    protected_staff: list[str]
    final_conversation_at: datetime | None
    feedback_rating: int | None
    feedback_would_recommend: bool | None
    feedback_from_customer: bool
    closed_at: datetime | None
    items: list[ItemOut]


class PartingOut(Schema):
    case_id: int
    account_id: int
    closed_at: datetime | None
    outcome: str
    conversation: ConversationOut | None
    plan: ExitPlanOut | None
    follow_ups: list[int] = Field(description="commitment ids of the attentive period")


def _out(case: RecoveryCase) -> dict:
    case.refresh_from_db()
    state = parting_state(case=case, now=timezone.now())
    plan = state.plan
    return {
        "case_id": case.pk,
        "account_id": case.account_id,
        "closed_at": case.closed_at,
        "outcome": case.outcome,
        "conversation": state.conversation,
        "follow_ups": [c.pk for c in state.follow_ups],
        "plan": None
        if plan is None
        else {
            **{
                f: getattr(plan, f)
                for f in ExitPlanOut.model_fields
                if f not in ("items", "protected_staff")
            },
            "protected_staff": [person.username for person in state.protected],
            "items": [
                {
                    "id": row.item.pk,
                    "kind": row.item.kind,
                    "commitment_id": row.commitment.pk,
                    "what": row.commitment.what,
                    "owner": row.commitment.owner.username,
                    "due_at": row.commitment.due_at,
                    "status": row.commitment.status,
                    "late": row.late,
                }
                for row in state.items
            ],
        },
    }


def _case(request, case_id: int, action: str = WRITE) -> RecoveryCase:
    return parting_case_get_for(user=request.user, case_id=case_id, action=action)


def _plan(case: RecoveryCase) -> ExitPlan:
    plan = ExitPlan.objects.filter(case=case).first()
    if plan is None:
        raise Http404("This case has no exit plan.")
    return plan


def _workers(usernames: list[str], team_id: int, field: str, roles_any: bool = False) -> list[User]:
    pool = team_members(team_id=team_id) if roles_any else team_workers(team_id=team_id)
    found = {u.username: u for u in pool.filter(username__in=usernames)}
    missing = [name for name in usernames if name not in found]
    if missing:
        raise ValidationError(
            {
                field: gettext("no one named %(value)s works for this team")
                % {"value": repr(missing[0])}
            }
        )
    return [found[name] for name in usernames]


class ConversationIn(Schema):
    held_at: datetime | None = None
    not_working: str
    our_part: str
    their_part: str
    options: str
    our_people: list[str] = Field(description="usernames of the people there from your side")
    their_people: str


class ItemIn(Schema):
    kind: Literal["deliverable", "data_handover", "final_invoice", "next_step"]
    what: str
    owner: str | None = Field(None, description="username; the exit's owner when left out")
    due_on: date


class DecisionIn(Schema):
    decision: Literal["continue", "part"]
    owner: str | None = Field(None, description="username; you when left out")
    agreed: str = ""
    attentive_days: int = 60
    follow_up_every_days: int = 14
    end_on: date | None = None
    update_every_days: int = 7
    note: str = ""
    items: list[ItemIn] = []


def _items(items: list[ItemIn], owner: User, team_id: int) -> list[ExitItemInput]:
    return [
        ExitItemInput(
            kind=item.kind,
            what=item.what,
            owner=_workers([item.owner], team_id, f"items.{n}.owner")[0] if item.owner else owner,
            due_on=item.due_on,
        )
        for n, item in enumerate(items, start=1)
    ]


@router.get("/cases/{case_id}/parting", response={200: PartingOut, **ERRORS})
def parting_read(request, case_id: int):
    return _out(_case(request, case_id, action="read"))


@router.post("/cases/{case_id}/parting/conversation", response={201: PartingOut, **ERRORS})
def parting_conversation(request, case_id: int, payload: ConversationIn):
    case = _case(request, case_id)
    people = _workers(payload.our_people, case.account.team_id, "our_people", roles_any=True)
    conversation_record(
        actor=Actor.api(request),
        case=case,
        held_at=payload.held_at,
        not_working=payload.not_working,
        our_part=payload.our_part,
        their_part=payload.their_part,
        options=payload.options,
        our_people=people,
        their_people=payload.their_people,
    )
    return Status(201, _out(case))


@router.post("/cases/{case_id}/parting/decision", response={201: PartingOut, **ERRORS})
def parting_decide(request, case_id: int, payload: DecisionIn):
    case = _case(request, case_id)
    team_id = case.account.team_id
    owner = _workers([payload.owner], team_id, "owner")[0] if payload.owner else request.user
    if payload.decision == "continue":
        conversation_decide_continue(
            actor=Actor.api(request),
            case=case,
            agreed=payload.agreed,
            owner=owner,
            attentive_days=payload.attentive_days,
            follow_up_every_days=payload.follow_up_every_days,
        )
    else:
        conversation_decide_part(
            actor=Actor.api(request),
            case=case,
            end_on=payload.end_on,  # type: ignore[arg-type]  # the service names it if missing
            owner=owner,
            items=_items(payload.items, owner, team_id),
            update_every_days=payload.update_every_days,
            note=payload.note,
        )
    return Status(201, _out(case))


@router.post("/cases/{case_id}/parting/items", response={201: PartingOut, **ERRORS})
def parting_item_add(request, case_id: int, payload: ItemIn):
    case = _case(request, case_id)
    plan = _plan(case)
    item = _items([payload], request.user, case.account.team_id)[0]
    exit_item_add(actor=Actor.api(request), plan=plan, item=item)
    return Status(201, _out(case))


@router.post("/cases/{case_id}/parting/items/{item_id}/done", response={200: PartingOut, **ERRORS})
def parting_item_done(request, case_id: int, item_id: int):
    case = _case(request, case_id)
    item = ExitItem.objects.filter(pk=item_id, plan__case=case).first()
    if item is None:
        raise Http404("No such part of the exit plan.")
    exit_item_done(actor=Actor.api(request), item=item)
    return _out(case)


class ExitUpdateIn(Schema):
    text: str


class ExitUpdateOut(Schema):
    update_id: int
    posted_at: datetime
    emailed_to: list[str]
    delivered_now: int


@router.post("/cases/{case_id}/parting/updates", response={201: ExitUpdateOut, **ERRORS})
def parting_update(request, case_id: int, payload: ExitUpdateIn):
    case = _case(request, case_id)
    sent = exit_update_send(actor=Actor.api(request), plan=_plan(case), text=payload.text)
    return Status(
        201,
        {
            "update_id": sent.update.pk,
            "posted_at": sent.update.posted_at,
            "emailed_to": [m.recipient_email for m in sent.messages],
            "delivered_now": sent.delivered,
        },
    )


class FinalIn(Schema):
    note: str
    at: datetime | None = None


@router.post("/cases/{case_id}/parting/final-conversation", response={200: PartingOut, **ERRORS})
def parting_final(request, case_id: int, payload: FinalIn):
    case = _case(request, case_id)
    exit_final_conversation(
        actor=Actor.api(request), plan=_plan(case), note=payload.note, at=payload.at
    )
    return _out(case)


class ExitFeedbackIn(Schema):
    rating: int = Field(description="1 (badly) to 5 (very well)")
    would_recommend: bool | None = None
    comment: str = ""


@router.post("/cases/{case_id}/parting/feedback", response={200: PartingOut, **ERRORS})
def parting_feedback(request, case_id: int, payload: ExitFeedbackIn):
    case = _case(request, case_id)
    exit_feedback_record(actor=Actor.api(request), plan=_plan(case), **payload.dict())
    return _out(case)


class PartingCloseIn(Schema):
    note: str = ""


@router.post("/cases/{case_id}/parting/close", response={200: PartingOut, **ERRORS})
def parting_close(request, case_id: int, payload: PartingCloseIn):
    case = _case(request, case_id)
    exit_plan_close(actor=Actor.api(request), plan=_plan(case), note=payload.note)
    return _out(case)


class LetGoIn(Schema):
    reason: str
    protected_staff: list[str] = Field([], description="usernames of the staff who were abused")
    owner: str | None = Field(None, description="username; you when left out")
    end_on: date
    items: list[ItemIn]


@router.post("/accounts/{account_id}/let-go", response={201: PartingOut, **ERRORS})
def account_let_go(request, account_id: int, payload: LetGoIn):
    account = account_get_for(user=request.user, account_id=account_id, action=WRITE)
    if not user_manages_team(request.user, account.team_id):
        raise PermissionDenied(
            gettext("Only a manager of the account's team can let a customer go.")
        )
    team_id = account.team_id
    owner = _workers([payload.owner], team_id, "owner")[0] if payload.owner else request.user
    plan = account_let_go_for_abuse(
        actor=Actor.api(request),
        account=account,
        reason=payload.reason,
        protected_staff=_workers(payload.protected_staff, team_id, "protected_staff", True),
        end_on=payload.end_on,
        owner=owner,
        items=_items(payload.items, owner, team_id),
    )
    return Status(201, _out(plan.case))
