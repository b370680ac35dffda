"""Reads of referrals: the list, one referral for a user, an account's panel,
and whether an account counts as a former client."""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from amends.accounts.models import Account, Lifecycle
from amends.accounts.selectors import AccountFilters, account_list
from amends.people.access import READ, WRITE, team_ids_for
from amends.people.models import User
from amends.recovery.models import Outcome, RecoveryCase
from amends.referrals.models import Referral

CANDIDATES = 10


@dataclass(frozen=True)
class ReferralFilters:
    former_only: bool = False
    # Referrals this account gave or received.
    account: int | None = None


@dataclass
class AccountReferrals:
    referred_by: list[Referral] = field(default_factory=list)
    has_referred: list[Referral] = field(default_factory=list)


def account_is_former_client(*, account: Account, now: datetime | None = None) -> bool:
    """Churned, or its latest closed recovery case ended in a mutual parting."""
    if account.lifecycle == Lifecycle.CHURNED:
        return True
    closed = RecoveryCase.objects.filter(account_id=account.pk, closed_at__isnull=False)
    if now is not None:
        closed = closed.filter(closed_at__lte=now)
    latest = closed.order_by("-closed_at", "-id").values_list("outcome", flat=True).first()
    return latest == Outcome.PARTED


def referral_visible_to(user: User | AnonymousUser, action: str = READ) -> QuerySet[Referral]:
    ids = team_ids_for(user, action)
    referrals = Referral.objects.all()
    return referrals if ids is None else referrals.filter(team_id__in=ids)


def referral_list(*, user: User | AnonymousUser, filters: ReferralFilters) -> QuerySet[Referral]:
    referrals = referral_visible_to(user)
    if filters.former_only:
        referrals = referrals.filter(from_former_client=True)
    if filters.account:
        referrals = referrals.filter(
            Q(referrer_id=filters.account) | Q(referred_account_id=filters.account)
        )
    return referrals.select_related("team", "referrer", "referred_account", "recorded_by").order_by(
        "-referred_on", "-id"
    )


def referral_get_for(
    *, user: User | AnonymousUser, referral_id: int, action: str = READ
) -> Referral:
    """The referral ``user`` may see, or 404; for a write, 403 when they may only look."""
    referral = (
        referral_visible_to(user)
        .select_related("team", "referrer", "referred_account", "recorded_by")
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise Http404("No such referral.")
    if action == WRITE and not referral_visible_to(user, WRITE).filter(pk=referral_id).exists():
        raise PermissionDenied(gettext("You may look at this referral but not change it."))
    return referral


def referrals_for_account(*, account: Account) -> AccountReferrals:
    """Who referred this account, and whom it has referred, newest first."""
    referrals = (
        Referral.objects.filter(Q(referrer=account) | Q(referred_account=account))
        .select_related("referrer", "referred_account")
        .order_by("-referred_on", "-id")
    )
    found = AccountReferrals()
    for referral in referrals:
        if referral.referrer_id == account.pk:
            found.has_referred.append(referral)
        else:
            found.referred_by.append(referral)
    return found


def referrer_candidates(*, user: User | AnonymousUser, q: str) -> list[Account]:
    """Accounts ``user`` may record a referral for, found by name or external id."""
    if not q.strip():
        return []
    writable = team_ids_for(user, WRITE)
    accounts = account_list(user=user, filters=AccountFilters(q=q))
    if writable is not None:
        accounts = accounts.filter(team_id__in=writable)
    return list(accounts[:CANDIDATES])


def referred_candidates(*, user: User | AnonymousUser, referrer: Account, q: str) -> list[Account]:
    """Accounts of the referrer's team that it could have referred, found by name."""
    if not q.strip():
        return []
    filters = AccountFilters(q=q, team=referrer.team_id)
    return list(account_list(user=user, filters=filters).exclude(pk=referrer.pk)[:CANDIDATES])
