from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext

from amends.accounts.models import Account, Contact, ProtectedStaff
from amends.people.access import READ, WRITE, team_ids_for
from amends.people.models import User


@dataclass(frozen=True)
class AccountFilters:
    q: str = ""
    lifecycle: str = ""
    kind: str = ""
    tier: str = ""
    band: str = ""
    segment: str = ""
    team: int | None = None
    owner: int | None = None


def account_visible_to(user: User | AnonymousUser, action: str = READ) -> QuerySet[Account]:
    ids = team_ids_for(user, action)
    accounts = Account.objects.all()
    return accounts if ids is None else accounts.filter(team_id__in=ids)


# The account list's sorts (core.sorting): by name unless asked otherwise. Value and
# health read best from the top: the biggest customers, the least healthy ones; an
# account not scored yet (no data is better than a made-up score) comes last.
ACCOUNT_SORTS = {
    "name": ["name", "id"],
    "value": ["-annual_value", "id"],
    "health": ["health__score", "id"],
    "activity": ["-updated_at", "id"],
}
ACCOUNT_SORTS_NULLABLE = {"health__score"}


def account_list(
    *, user: User | AnonymousUser, filters: AccountFilters, order: list | None = None
) -> QuerySet[Account]:
    return (
        _account_filtered(user, filters)
        .select_related("team", "owner", "health")
        .defer("health__factors", "health__cooling")
        .order_by(*(order or ["name", "id"]))
    )


def account_rows(*, ids: list[int]) -> list[Account]:
    """The accounts with these ids, in the order given, with what the list shows."""
    found = (
        Account.objects.filter(pk__in=ids)
        .select_related("team", "owner", "health")
        .defer("health__factors", "health__cooling")
        .in_bulk()
    )
    return [found[pk] for pk in ids if pk in found]


def account_count(*, user: User | AnonymousUser, filters: AccountFilters) -> int:
    """How many accounts ``account_list`` gives."""
    return _account_filtered(user, filters).count()


def _account_filtered(user: User | AnonymousUser, filters: AccountFilters) -> QuerySet[Account]:
    accounts = account_visible_to(user)
    if filters.q.strip():
        accounts = accounts.filter(search_text__contains=filters.q.strip().casefold())
    if filters.lifecycle:
        accounts = accounts.filter(lifecycle=filters.lifecycle)
    if filters.kind:
        accounts = accounts.filter(kind=filters.kind)
    if filters.tier:
        accounts = accounts.filter(tier=filters.tier)
    if filters.team:
        accounts = accounts.filter(team_id=filters.team)
    if filters.owner:
        accounts = accounts.filter(owner_id=filters.owner)
    if filters.band:
        accounts = accounts.filter(health_band=filters.band)
    if filters.segment:
        accounts = accounts.filter(health_segment=filters.segment)
    return accounts


def account_get_for(*, user: User | AnonymousUser, account_id: int, action: str = READ) -> Account:
    """The account ``user`` may see, or 404; for a write, 403 when they may only look.

    An outsider learns nothing, not even that the account exists; a viewer of the
    team already knows it exists, so a refusal there says why.
    """
    account = account_visible_to(user).select_related("team", "owner").filter(pk=account_id).first()
    if account is None:
        raise Http404("No such account.")
    if action == WRITE and not account_visible_to(user, WRITE).filter(pk=account_id).exists():
        raise PermissionDenied(gettext("You may look at this account but not change it."))
    return account


def contact_get_for(*, user: User | AnonymousUser, contact_id: int, action: str = READ) -> Contact:
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        raise Http404("No such contact.")
    contact.account = account_get_for(user=user, account_id=contact.account_id, action=action)
    return contact


def contact_list_for_account(*, account: Account) -> QuerySet[Contact]:
    return account.contacts.all()


PROTECTED_MESSAGE = (
    "{name} was protected from this customer when it was let go for abuse: choose someone else."
)


def protected_staff_for(*, account_id: int) -> list[User]:
    """Who is protected from this account (let go for abuse), by username."""
    ids = ProtectedStaff.objects.filter(account_id=account_id).values("user_id")
    return list(User.objects.filter(pk__in=ids).order_by("username"))


def protected_pairs(*, account_ids: Iterable[int]) -> set[tuple[int, int]]:
    """(account id, user id) for every person protected from an account that was let
    go for abuse: they are never again made its owner, a case's owner or a promise's."""
    return set(
        ProtectedStaff.objects.filter(account_id__in=list(account_ids)).values_list(
            "account_id", "user_id"
        )
    )
