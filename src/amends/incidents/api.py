from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from ninja import Field, Router, Schema, Status

from amends.core.api import ERRORS
from amends.incidents.models import CauseCategory, Fault, Severity
from amends.incidents.selectors import incident_get_for, incident_similar, incident_visible_to
from amends.incidents.services import (
    POSTMORTEM_FIELDS,
    Impact,
    incident_add_accounts,
    incident_declare,
    postmortem_update,
)
from amends.people.access import WRITE, teams_for
from amends.timeline.services import Actor

router = Router(tags=["incidents"])


class ImpactIn(Schema):
    account_id: int
    units: int | None = Field(None, ge=0)
    people: int | None = Field(None, ge=0)
    money: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    impact: str = ""


class IncidentIn(Schema):
    team: str = Field(description="team slug")
    title: str
    description: str = ""
    occurred_at: datetime
    discovered_at: datetime | None = None
    severity: Severity = Severity.MODERATE
    cause: str = Field(description="cause category slug")
    fault: Fault = Fault.OURS
    tags: list[str] = []
    affected: list[ImpactIn]


class AffectedIn(Schema):
    affected: list[ImpactIn]


class SimilarOut(Schema):
    id: int
    title: str
    postmortem_url: str | None

    @staticmethod
    def resolve_postmortem_url(obj) -> str | None:
        postmortem = getattr(obj, "postmortem", None)
        if postmortem is None or postmortem.published_at is None:
            return None
        return f"/postmortems/{postmortem.public_key}/"


class CaseBrief(Schema):
    id: int
    account_id: int
    closed_at: datetime | None
    outcome: str
    last_chance: bool


class IncidentOut(Schema):
    id: int
    title: str
    description: str
    occurred_at: datetime
    discovered_at: datetime
    severity: int
    cause: str
    fault: str
    tags: list[str]
    status: str
    cases: list[CaseBrief]
    happened_before: list[SimilarOut]

    @staticmethod
    def resolve_cause(obj) -> str:
        return obj.cause.slug

    @staticmethod
    def resolve_cases(obj):
        return list(obj.cases.all())

    @staticmethod
    def resolve_happened_before(obj):
        return incident_similar(incident=obj)


class PostMortemIn(Schema):
    what_happened: str | None = None
    how_and_why: str | None = None
    what_was_done: str | None = None
    what_changed: str | None = None
    publish: bool | None = None


class PostMortemOut(Schema):
    what_happened: str
    how_and_why: str
    what_was_done: str
    what_changed: str
    published_at: datetime | None
    public_url: str | None

    @staticmethod
    def resolve_public_url(obj) -> str | None:
        return f"/postmortems/{obj.public_key}/" if obj.published_at else None


def _impacts(items: list[ImpactIn]) -> list[Impact]:
    return [Impact(**item.dict()) for item in items]


@router.get("/incidents", response={200: list[IncidentOut], **ERRORS})
def list_incidents(request):
    return list(incident_visible_to(request.user).select_related("cause")[:100])


@router.post("/incidents", response={201: IncidentOut, **ERRORS}, summary="Declare an incident")
def declare_incident(request, payload: IncidentIn):
    team = teams_for(request.user, WRITE).filter(slug=payload.team).first()
    if team is None:
        raise ValidationError(
            {"team": gettext("no team %(team)s that you may change") % {"team": repr(payload.team)}}
        )
    cause = CauseCategory.objects.filter(slug=payload.cause).first()
    if cause is None:
        raise ValidationError(
            {"cause": gettext("no cause category %(cause)s") % {"cause": repr(payload.cause)}}
        )
    data = payload.dict(exclude={"team", "cause", "affected"})
    incident = incident_declare(
        actor=Actor.api(request),
        team=team,
        cause=cause,
        affected=_impacts(payload.affected),
        **data,
    )
    return Status(201, incident)


@router.get("/incidents/{incident_id}", response={200: IncidentOut, **ERRORS})
def read_incident(request, incident_id: int):
    return incident_get_for(user=request.user, incident_id=incident_id)


@router.post("/incidents/{incident_id}/accounts", response={200: IncidentOut, **ERRORS})
def add_accounts(request, incident_id: int, payload: AffectedIn):
    incident = incident_get_for(user=request.user, incident_id=incident_id)
    incident_add_accounts(
        actor=Actor.api(request), incident=incident, affected=_impacts(payload.affected)
    )
    return incident_get_for(user=request.user, incident_id=incident_id)


@router.get("/incidents/{incident_id}/postmortem", response={200: PostMortemOut, **ERRORS})
def read_postmortem(request, incident_id: int):
    return incident_get_for(user=request.user, incident_id=incident_id).postmortem


@router.patch("/incidents/{incident_id}/postmortem", response={200: PostMortemOut, **ERRORS})
def update_postmortem(request, incident_id: int, payload: PostMortemIn):
    incident = incident_get_for(user=request.user, incident_id=incident_id)
    changes = payload.dict(exclude_unset=True)
    publish = changes.pop("publish", None)
    texts = {k: v or "" for k, v in changes.items() if k in POSTMORTEM_FIELDS}
    return postmortem_update(actor=Actor.api(request), incident=incident, publish=publish, **texts)
