"""Referrals through the API: list, read, record and remove."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status

from amends.accounts.selectors import account_get_for
from amends.core.api import ERRORS
from amends.core.pagination import page_of
from amends.people.access import WRITE
from amends.referrals.models import NAME_MAX, NOTE_MAX
from amends.referrals.selectors import ReferralFilters, referral_get_for, referral_list
from amends.referrals.services import referral_delete, referral_record
from amends.timeline.services import Actor

router = Router(tags=["referrals"])

# The service names the model's fields; the API names the ids.
API_NAMES = {"referrer": "referrer_id", "referred_account": "referred_account_id"}


class ReferralOut(Schema):
    id: int
    team: str
    referrer_id: int
    referrer_name: str
    referred_account_id: int | None
    referred_name: str
    referred_contact_name: str
    referred_contact_email: str
    referred_on: date
    note: str
    from_former_client: bool
    recorded_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_team(obj) -> str:
        return obj.team.slug

    @staticmethod
    def resolve_referrer_name(obj) -> str:
        return obj.referrer.name

    @staticmethod
    def resolve_recorded_by(obj) -> str | None:
        return obj.recorded_by.username if obj.recorded_by_id else None


class ReferralPage(Schema):
    items: list[ReferralOut]
    count: int
    page: int
    pages: int
    page_size: int


class ReferralQuery(Schema):
    account_id: int | None = Field(None, description="referrals this account gave or received")
    former_only: bool = Field(False, description="only referrals from former clients")
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=200)


class ReferralIn(Schema):
    referrer_id: int = Field(description="the account that referred")
    referred_account_id: int | None = Field(
        None, description="the account referred, when it is one (same team as the referrer)"
    )
    referred_name: str = Field(
        "", max_length=NAME_MAX, description="required without referred_account_id"
    )
    referred_contact_name: str = Field("", max_length=NAME_MAX)
    referred_contact_email: str = Field("", max_length=254)
    referred_on: date | None = Field(None, description="defaults to today")
    note: str = Field("", max_length=NOTE_MAX)


def _renamed(error: ValidationError) -> ValidationError:
    return ValidationError(
        {API_NAMES.get(name, name): texts for name, texts in error.message_dict.items()}
    )


@router.get(
    "/referrals", response={200: ReferralPage, **ERRORS}, summary="List referrals, newest first"
)
def list_referrals(request, query: Query[ReferralQuery]):
    if query.account_id is not None:
        # Someone else's account is not there, as for every other lookup.
        account_get_for(user=request.user, account_id=query.account_id)
    filters = ReferralFilters(former_only=query.former_only, account=query.account_id)
    page = page_of(referral_list(user=request.user, filters=filters), query.page, query.page_size)
    return {
        "items": list(page.object_list),
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "page_size": query.page_size,
    }


@router.get(
    "/referrals/{referral_id}", response={200: ReferralOut, **ERRORS}, summary="Read a referral"
)
def read_referral(request, referral_id: int):
    return referral_get_for(user=request.user, referral_id=referral_id)


@router.post(
    "/referrals",
    response={201: ReferralOut, **ERRORS},
    summary="Record a referral (from a former client when the referrer is one)",
)
def create_referral(request, payload: ReferralIn):
    referrer = account_get_for(user=request.user, account_id=payload.referrer_id, action=WRITE)
    referred = None
    if payload.referred_account_id is not None:
        referred = account_get_for(user=request.user, account_id=payload.referred_account_id)
    data = payload.dict(exclude={"referrer_id", "referred_account_id"})
    try:
        referral = referral_record(
            actor=Actor.api(request), referrer=referrer, referred_account=referred, **data
        )
    except ValidationError as error:
        raise _renamed(error) from None
    return Status(201, referral_get_for(user=request.user, referral_id=referral.pk))


@router.delete(
    "/referrals/{referral_id}",
    response={204: None, **ERRORS},
    summary="Remove a referral, and its referral signal",
)
def delete_referral(request, referral_id: int):
    referral = referral_get_for(user=request.user, referral_id=referral_id, action=WRITE)
    referral_delete(actor=Actor.api(request), referral=referral)
    return Status(204, None)
