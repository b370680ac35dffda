from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from amends.accounts.selectors import account_get_for
from amends.core.api import ERRORS
from amends.core.pagination import page_of
from amends.core.textsearch import QUERY_MAX
from amends.people.access import WRITE
from amends.people.models import User
from amends.people.selectors import team_workers
from amends.recovery.models import Commitment, Playbook, RecoveryCase
from amends.recovery.opening import case_open
from amends.recovery.ownership import case_owner_set
from amends.recovery.selectors import (
    CaseProgress,
    case_get_for,
    case_list,
    case_progress,
    step_state,
)
from amends.recovery.services import (
    case_close,
    case_pause,
    case_resume,
    commitment_add,
    commitment_break,
    commitment_keep,
    commitment_renegotiate,
    record_add,
    step_complete,
    step_skip,
)
from amends.timeline.services import Actor

router = Router(tags=["recovery"])


class StepOut(Schema):
    id: int
    key: str
    title: str
    due_at: datetime
    done_at: datetime | None
    skipped_reason: str
    state: str

    @staticmethod
    def resolve_state(obj) -> str:
        return step_state(obj, now=timezone.now())


class CommitmentOut(Schema):
    id: int
    what: str
    measure: str
    owner: str
    due_at: datetime
    free_of_charge: bool
    status: str
    reason: str
    replaces_id: int | None

    @staticmethod
    def resolve_owner(obj) -> str:
        return obj.owner.username


class RecordOut(Schema):
    id: int
    kind: str
    at: datetime
    by: str | None
    data: dict

    @staticmethod
    def resolve_by(obj) -> str | None:
        return obj.by.username if obj.by_id else None


class EscalationOut(Schema):
    level: str
    recipient: str
    reason: str
    raised_at: datetime

    @staticmethod
    def resolve_recipient(obj) -> str:
        return obj.recipient.username


class CaseOut(Schema):
    id: int
    account_id: int
    incident_id: int | None
    playbook: str
    owner: str | None
    severity: int
    opened_at: datetime
    last_chance: bool
    paused: bool
    pause_reason: str
    closed_at: datetime | None
    outcome: str
    steps: list[StepOut]
    commitments: list[CommitmentOut]
    records: list[RecordOut]
    escalations: list[EscalationOut]

    @staticmethod
    def resolve_playbook(obj) -> str:
        return obj.playbook.kind

    @staticmethod
    def resolve_owner(obj) -> str | None:
        return obj.owner.username if obj.owner_id else None

    @staticmethod
    def resolve_paused(obj) -> bool:
        return obj.is_paused

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.all())

    @staticmethod
    def resolve_commitments(obj):
        return list(obj.commitments.all())

    @staticmethod
    def resolve_records(obj):
        return list(obj.records.all())

    @staticmethod
    def resolve_escalations(obj):
        return list(obj.escalations.all())


class ProgressOut(Schema):
    done: int = Field(description="steps done or skipped")
    total: int = Field(description="steps in all")
    late: int = Field(description="unfinished steps past their due time")
    broken: int = Field(description="broken promises")


class CaseSummaryOut(Schema):
    """A case as the list shows it; ``GET /cases/{id}`` has its steps, records,
    commitments and escalations."""

    id: int
    account_id: int
    account: str = Field(description="the account's name")
    team: str = Field(description="the account's team (slug)")
    playbook: str
    incident_id: int | None
    owner: str | None
    state: str = Field(description="open, paused or closed")
    severity: int
    last_chance: bool
    opened_at: datetime
    closed_at: datetime | None
    outcome: str
    progress: ProgressOut
    next_due_at: datetime | None = Field(description="when the next unfinished step is due")
    url: str


class CasePage(Schema):
    items: list[CaseSummaryOut]
    count: int
    page: int
    pages: int
    page_size: int


class CaseQuery(Schema):
    include_closed: bool = False
    q: str = Field(
        "",
        max_length=QUERY_MAX,
        description="words of the case: its account's name, why it was opened, how it "
        "was closed; the last may be the start of a word. Lists at most the latest 2,000 "
        "matches",
    )
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=200)


def _summary(case: RecoveryCase, progress: CaseProgress) -> dict:
    state = "closed" if case.is_closed else "paused" if case.is_paused else "open"
    return {
        "id": case.pk,
        "account_id": case.account_id,
        "account": case.account.name,
        "team": case.account.team.slug,
        "playbook": case.playbook.kind,
        "incident_id": case.incident_id,
        "owner": case.owner.username if case.owner else None,
        "state": state,
        "severity": case.severity,
        "last_chance": case.last_chance,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "outcome": case.outcome,
        "progress": progress,
        "next_due_at": None if case.is_closed else progress.next_due,
        "url": reverse("recovery:case", args=[case.pk]),
    }


class CaseIn(Schema):
    account_id: int
    playbook: str = Field(description="mistake, thaw, complaint or parting")
    severity: int = Field(3, ge=1, le=4)
    reason: str = ""


class ReasonIn(Schema):
    reason: str = ""


class CloseIn(Schema):
    outcome: str
    note: str = ""
    confirm_skipped: bool = Field(
        False,
        description="recovered or advocate although telling them first or the apology "
        "was skipped: required then, and kept on the timeline",
    )


class RecordIn(Schema):
    kind: str
    data: dict
    by: str | None = Field(None, description="username of the person, if not you")


class CommitmentIn(Schema):
    what: str
    measure: str
    due_at: datetime
    owner: str | None = None
    free_of_charge: bool = False


class CommitmentResolveIn(Schema):
    status: str = Field(description="kept, broken or renegotiated")
    reason: str = ""
    due_at: datetime | None = Field(None, description="the new date, when renegotiated")


def _user(username: str | None, default: User, field: str, team_id: int) -> User:
    """A named person who works on the case's team: an outsider can't apologise or promise."""
    if not username:
        return default
    user = team_workers(team_id=team_id).filter(username=username).first()
    if user is None:
        raise ValidationError(
            {
                field: gettext("no one named %(username)s works for this team")
                % {"username": repr(username)}
            }
        )
    return user


# What CaseOut shows of a case, a query per relation rather than one per row.
CASE_DETAIL = ["steps", "commitments__owner", "records__by", "escalations__recipient"]


def _case(request, case_id: int):
    return case_get_for(user=request.user, case_id=case_id)


def _case_detail(request, case_id: int):
    case = _case(request, case_id)
    prefetch_related_objects([case], *CASE_DETAIL)
    return case


@router.get(
    "/cases",
    response={200: CasePage, **ERRORS},
    summary="Cases you can see: the open ones most urgent first, a page at a time",
)
def list_cases(request, query: Query[CaseQuery]):
    cases = case_list(user=request.user, include_closed=query.include_closed, q=query.q)
    page = page_of(cases.select_related("account__team"), query.page, query.page_size)
    listed = list(page.object_list)
    progress = case_progress(listed, now=timezone.now())
    return {
        "items": [_summary(case, progress[case.pk]) for case in listed],
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "page_size": query.page_size,
    }


@router.post("/cases", response={201: CaseOut, **ERRORS}, summary="Open a case without an incident")
def open_case(request, payload: CaseIn):
    account = account_get_for(user=request.user, account_id=payload.account_id, action=WRITE)
    playbook = Playbook.objects.filter(kind=payload.playbook).first()
    if playbook is None:
        raise ValidationError({"playbook": gettext("must be mistake, thaw, complaint or parting")})
    case = case_open(
        actor=Actor.api(request),
        account=account,
        playbook=playbook,
        severity=payload.severity,
        reason=payload.reason,
    )
    return Status(201, case)


@router.get("/cases/{case_id}", response={200: CaseOut, **ERRORS}, summary="Read a case")
def read_case(request, case_id: int):
    return _case_detail(request, case_id)


def _step(case, step_id: int):
    step = case.steps.filter(pk=step_id).first()
    if step is None:
        raise Http404("No such step.")
    return step


@router.post("/cases/{case_id}/steps/{step_id}/complete", response={200: CaseOut, **ERRORS})
def complete_step(request, case_id: int, step_id: int):
    case = _case(request, case_id)
    step_complete(actor=Actor.api(request), step=_step(case, step_id))
    return _case_detail(request, case_id)


@router.post("/cases/{case_id}/steps/{step_id}/skip", response={200: CaseOut, **ERRORS})
def skip_step(request, case_id: int, step_id: int, payload: ReasonIn):
    case = _case(request, case_id)
    step_skip(actor=Actor.api(request), step=_step(case, step_id), reason=payload.reason)
    return _case_detail(request, case_id)


@router.post("/cases/{case_id}/pause", response={200: CaseOut, **ERRORS})
def pause_case(request, case_id: int, payload: ReasonIn):
    case_pause(actor=Actor.api(request), case=_case(request, case_id), reason=payload.reason)
    return _case_detail(request, case_id)


class OwnerIn(Schema):
    owner: str = Field(description="username of someone of the team who works on its cases")


@router.post(
    "/cases/{case_id}/owner",
    response={200: CaseOut, **ERRORS},
    summary="Give the case to someone else (recorded; they are notified)",
)
def change_owner(request, case_id: int, payload: OwnerIn):
    case = case_get_for(user=request.user, case_id=case_id, action=WRITE)
    owner = _user(payload.owner, request.user, "owner", case.account.team_id)
    case_owner_set(actor=Actor.api(request), case=case, owner=owner)
    return _case_detail(request, case_id)


@router.post("/cases/{case_id}/resume", response={200: CaseOut, **ERRORS})
def resume_case(request, case_id: int):
    case_resume(actor=Actor.api(request), case=_case(request, case_id))
    return _case_detail(request, case_id)


@router.post("/cases/{case_id}/close", response={200: CaseOut, **ERRORS})
def close_case(request, case_id: int, payload: CloseIn):
    case_close(
        actor=Actor.api(request),
        case=_case(request, case_id),
        outcome=payload.outcome,
        note=payload.note,
        confirm_skipped=payload.confirm_skipped,
    )
    return _case_detail(request, case_id)


@router.post(
    "/cases/{case_id}/records",
    response={201: RecordOut, **ERRORS},
    summary="Record a conversation, apology, explanation, gesture, follow-up…",
)
def add_record(request, case_id: int, payload: RecordIn):
    case = _case(request, case_id)
    by = _user(payload.by, request.user, "by", case.account.team_id)
    record = record_add(
        actor=Actor.api(request), case=case, kind=payload.kind, data=payload.data, by=by
    )
    return Status(201, record)


@router.post("/cases/{case_id}/commitments", response={201: CommitmentOut, **ERRORS})
def add_commitment(request, case_id: int, payload: CommitmentIn):
    case = _case(request, case_id)
    commitment = commitment_add(
        actor=Actor.api(request),
        case=case,
        what=payload.what,
        measure=payload.measure,
        owner=_user(payload.owner, request.user, "owner", case.account.team_id),
        due_at=payload.due_at,
        free_of_charge=payload.free_of_charge,
    )
    return Status(201, commitment)


@router.post("/commitments/{commitment_id}/resolve", response={200: CommitmentOut, **ERRORS})
def resolve_commitment(request, commitment_id: int, payload: CommitmentResolveIn):
    commitment = Commitment.objects.filter(pk=commitment_id).first()
    if commitment is None:
        raise Http404("No such commitment.")
    _case(request, commitment.case_id)  # 404 for whoever may not see it
    actor = Actor.api(request)
    if payload.status == "kept":
        return commitment_keep(actor=actor, commitment=commitment)
    if payload.status == "broken":
        return commitment_break(actor=actor, commitment=commitment, reason=payload.reason)
    if payload.status == "renegotiated":
        if payload.due_at is None:
            raise ValidationError({"due_at": gettext("A renegotiated promise needs a new date.")})
        return commitment_renegotiate(
            actor=actor, commitment=commitment, reason=payload.reason, due_at=payload.due_at
        )
    raise ValidationError({"status": gettext("must be kept, broken or renegotiated")})
