"""The customer's page through the API: share and revoke a case's link, post
updates, and read the plan by its key (no login, the same as the page shows)."""

from datetime import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from ninja import Router, Schema, Status

from amends.core.api import ERRORS, ErrorOut
from amends.customerpage.selectors import (
    customer_language,
    customer_plan,
    share_get_public,
    share_live_for,
    share_url,
)
from amends.customerpage.services import case_share_create, case_share_revoke, case_update_post
from amends.recovery.selectors import case_get_for
from amends.timeline.services import Actor

router = Router(tags=["customer page"])


class ShareOut(Schema):
    id: int
    key: str
    url: str
    created_at: datetime

    @staticmethod
    def resolve_url(obj) -> str:
        return share_url(obj)


class CustomerUpdateIn(Schema):
    text: str


class CustomerUpdateOut(Schema):
    id: int
    text: str
    posted_at: datetime


class PlanCommitmentOut(Schema):
    what: str
    measure: str
    due_at: datetime
    free_of_charge: bool
    status: str
    status_label: str
    new_due_at: datetime | None


class PlanChangeOut(Schema):
    what: str
    how_customer_is_told: str


class PlanUpdateOut(Schema):
    text: str
    posted_at: datetime


class CustomerPlanOut(Schema):
    account_name: str
    language: str
    complete: bool
    commitments: list[PlanCommitmentOut]
    changes: list[PlanChangeOut]
    updates: list[PlanUpdateOut]


@router.get(
    "/cases/{case_id}/share",
    response={200: ShareOut, **ERRORS},
    summary="The case's live link for the customer (404 when there is none)",
)
def read_share(request: HttpRequest, case_id: int):
    share = share_live_for(case=case_get_for(user=request.user, case_id=case_id))
    if share is None:
        raise Http404("This case has no live link.")
    return share


@router.post(
    "/cases/{case_id}/share",
    response={200: ShareOut, 201: ShareOut, **ERRORS},
    summary="Make the case's link for the customer (201), or get the live one (200)",
)
def create_share(request: HttpRequest, case_id: int):
    case = case_get_for(user=request.user, case_id=case_id)
    share, made = case_share_create(actor=Actor.api(request), case=case)
    return Status(201 if made else 200, share)


@router.delete(
    "/cases/{case_id}/share",
    response={204: None, **ERRORS},
    summary="Revoke the live link: it answers 404 at once",
)
def revoke_share(request: HttpRequest, case_id: int):
    case = case_get_for(user=request.user, case_id=case_id)
    if case_share_revoke(actor=Actor.api(request), case=case) is None:
        raise Http404("This case has no live link.")
    return Status(204, None)


@router.post(
    "/cases/{case_id}/updates",
    response={201: CustomerUpdateOut, **ERRORS},
    summary="Post a dated update on the customer's page",
)
def post_update(request: HttpRequest, case_id: int, payload: CustomerUpdateIn):
    case = case_get_for(user=request.user, case_id=case_id)
    update = case_update_post(actor=Actor.api(request), case=case, text=payload.text)
    return Status(201, update)


@router.get(
    "/shared/{key}",
    auth=None,
    response={200: CustomerPlanOut, 404: ErrorOut},
    summary="The plan the customer sees, by the link's key (no login)",
)
def read_shared_plan(request: HttpRequest, key: str, response: HttpResponse):
    share = share_get_public(key=key)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    with translation.override(customer_language(share.case)):
        return customer_plan(case=share.case)
