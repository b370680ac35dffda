from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from amends.accounts.models import Kind, Lifecycle, Tier
from amends.accounts.selectors import (
    AccountFilters,
    account_get_for,
    account_list,
    contact_get_for,
    contact_list_for_account,
)
from amends.accounts.services import (
    account_create,
    account_update,
    contact_create,
    contact_delete,
    contact_update,
)
from amends.core.api import ERRORS
from amends.core.pagination import page_of
from amends.people.access import READ, WRITE, teams_for, user_can_write_anywhere
from amends.people.models import Team, User
from amends.timeline.selectors import event_list_for_account
from amends.timeline.services import Actor

router = Router(tags=["accounts"])


class AccountOut(Schema):
    id: int
    name: str
    kind: Kind
    team: str
    owner: str | None
    annual_value: Decimal
    currency: str
    tier: Tier
    lifecycle: Lifecycle
    language: str
    source: str
    external_id: str
    created_at: datetime
    updated_at: datetime
    url: str

    @staticmethod
    def resolve_team(obj) -> str:
        return obj.team.slug

    @staticmethod
    def resolve_owner(obj) -> str | None:
        return obj.owner.username if obj.owner_id else None

    @staticmethod
    def resolve_url(obj) -> str:
        return reverse("accounts:detail", args=[obj.pk])


class AccountIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    team: str = Field(description="team slug")
    kind: Kind = Kind.BUSINESS
    owner: str | None = Field(None, description="username")
    annual_value: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    currency: str = "EUR"
    tier: Tier = Tier.STANDARD
    lifecycle: Lifecycle = Lifecycle.ACTIVE
    language: str = "en"
    source: str = "manual"
    external_id: str = ""


class AccountPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    team: str | None = None
    kind: Kind | None = None
    owner: str | None = None
    annual_value: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    currency: str | None = None
    tier: Tier | None = None
    lifecycle: Lifecycle | None = None
    language: str | None = None
    external_id: str | None = None


class AccountPage(Schema):
    items: list[AccountOut]
    count: int
    page: int
    pages: int
    page_size: int


class AccountQuery(Schema):
    q: str = ""
    lifecycle: Lifecycle | None = None
    kind: Kind | None = None
    tier: Tier | None = None
    team: str | None = Field(None, description="team slug")
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=200)


class ContactOut(Schema):
    id: int
    account_id: int
    name: str
    role: str
    email: str
    phone: str
    language: str
    is_decision_maker: bool


class ContactIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    role: str = ""
    email: str = ""
    phone: str = ""
    language: str = ""
    is_decision_maker: bool = False


class ContactPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    language: str | None = None
    is_decision_maker: bool | None = None


class EventOut(Schema):
    id: int
    at: datetime
    actor: str = Field(alias="actor_name")
    via: str
    action: str
    summary: str
    before: dict
    after: dict


class EventPage(Schema):
    items: list[EventOut]
    count: int
    page: int
    pages: int


def _team(request, slug: str, action: str) -> Team:
    team = teams_for(request.user, action).filter(slug=slug).first()
    if team is None:
        raise ValidationError(
            {
                "team": gettext("no team %(slug)s that you may add accounts to")
                % {"slug": repr(slug)}
            }
        )
    return team


def _owner(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError(
            {"owner": gettext("no active user named %(username)s") % {"username": repr(username)}}
        )
    return user


@router.get("/accounts", response={200: AccountPage, **ERRORS}, summary="List accounts")
def list_accounts(request, query: Query[AccountQuery]):
    team_id = None
    if query.team:
        team = teams_for(request.user, READ).filter(slug=query.team).first()
        # An unknown or hidden team filters to nothing, as the outsider should see.
        team_id = team.pk if team else -1
    filters = AccountFilters(
        q=query.q,
        lifecycle=query.lifecycle or "",
        kind=query.kind or "",
        tier=query.tier or "",
        team=team_id,
    )
    page = page_of(account_list(user=request.user, filters=filters), query.page, query.page_size)
    return {
        "items": list(page.object_list),
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "page_size": query.page_size,
    }


@router.post("/accounts", response={201: AccountOut, **ERRORS}, summary="Create an account")
def create_account(request, payload: AccountIn):
    if not user_can_write_anywhere(request.user):
        raise PermissionDenied(gettext("You may look at accounts but not add them."))
    data = payload.dict()
    team = _team(request, data.pop("team"), WRITE)
    data["owner"] = _owner(data.pop("owner"))
    account = account_create(actor=Actor.api(request), team=team, **data)
    return Status(201, account)


@router.get(
    "/accounts/{account_id}", response={200: AccountOut, **ERRORS}, summary="Read an account"
)
def read_account(request, account_id: int):
    return account_get_for(user=request.user, account_id=account_id)


@router.patch(
    "/accounts/{account_id}", response={200: AccountOut, **ERRORS}, summary="Change an account"
)
def update_account(request, account_id: int, payload: AccountPatch):
    account = account_get_for(user=request.user, account_id=account_id, action=WRITE)
    changes = payload.dict(exclude_unset=True)
    if "team" in changes:
        changes["team"] = _team(request, changes["team"] or "", WRITE)
    if "owner" in changes:
        changes["owner"] = _owner(changes["owner"])
    for name in ("name", "kind", "annual_value", "currency", "tier", "lifecycle", "language"):
        if name in changes and changes[name] is None:
            raise ValidationError({name: gettext("may not be null")})
    return account_update(actor=Actor.api(request), account=account, **changes)


@router.get(
    "/accounts/{account_id}/contacts",
    response={200: list[ContactOut], **ERRORS},
    summary="List an account's contacts",
)
def list_contacts(request, account_id: int):
    account = account_get_for(user=request.user, account_id=account_id)
    return list(contact_list_for_account(account=account))


@router.post(
    "/accounts/{account_id}/contacts",
    response={201: ContactOut, **ERRORS},
    summary="Add a contact",
)
def create_contact(request, account_id: int, payload: ContactIn):
    account = account_get_for(user=request.user, account_id=account_id, action=WRITE)
    return Status(201, contact_create(actor=Actor.api(request), account=account, **payload.dict()))


@router.patch(
    "/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, summary="Change a contact"
)
def update_contact(request, contact_id: int, payload: ContactPatch):
    contact = contact_get_for(user=request.user, contact_id=contact_id, action=WRITE)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items()}
    for name, value in changes.items():
        if value is None:
            raise ValidationError({name: gettext("may not be null")})
    return contact_update(actor=Actor.api(request), contact=contact, **changes)


@router.delete("/contacts/{contact_id}", response={204: None, **ERRORS}, summary="Remove a contact")
def delete_contact(request, contact_id: int):
    contact = contact_get_for(user=request.user, contact_id=contact_id, action=WRITE)
    contact_delete(actor=Actor.api(request), contact=contact)
    return Status(204, None)


@router.get(
    "/accounts/{account_id}/timeline",
    response={200: EventPage, **ERRORS},
    summary="An account's timeline, newest first",
)
def account_timeline(request, account_id: int, page: int = 1):
    account = account_get_for(user=request.user, account_id=account_id)
    events = page_of(event_list_for_account(account_id=account.pk), page, 50)
    if page > events.paginator.num_pages and page != 1:
        raise Http404("No such page.")
    return {
        "items": list(events.object_list),
        "count": events.paginator.count,
        "page": events.number,
        "pages": events.paginator.num_pages,
    }
