"""Demo referrals, recorded through the service like any other: fans among the
active accounts, and former clients (churned, or parted) who still send people
our way. Safe to run again: a referral that is there already is not made twice."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from amends.accounts.models import Account, Lifecycle
from amends.people.access import WRITE, user_can
from amends.recovery.models import Outcome
from amends.referrals.models import Referral
from amends.referrals.services import referral_record
from amends.timeline.models import Via
from amends.timeline.services import Actor


@dataclass(frozen=True)
class Planned:
    days_ago: int
    # Another account of the referrer's team, or a company known by name only.
    name: str = ""
    contact: str = ""
    email: str = ""
    note: str = ""


FROM_FORMER_CLIENTS = [
    Planned(12, note="We parted on good terms; they still recommend us to their partners."),
    Planned(
        30,
        name="Lakeside Dental Group",
        contact="Grace Ellis",
        email="grace.ellis@lakeside-dental.example",
        note="Their new dental group needs appointment cards; they gave us the lead.",
    ),
    Planned(45, note="Mentioned us to a partner at a trade fair."),
]
FROM_FANS = [
    Planned(5, note="Introduced us to their sister company."),
    Planned(
        20,
        name="Kestrel Studio",
        contact="Owen Turner",
        email="owen@kestrel-studio.example",
    ),
]


def _actor(account: Account) -> Actor:
    owner = account.owner
    if owner is not None and user_can(owner, WRITE, account.team_id):
        return Actor(user=owner, via=Via.WEB)
    return Actor.system()


def _former_clients() -> list[Account]:
    """Those we parted with well come first: the graceful exit that made a fan."""
    parted = Q(cases__outcome=Outcome.PARTED, cases__closed_at__isnull=False)
    found = list(
        Account.objects.filter(Q(lifecycle=Lifecycle.CHURNED) | parted)
        .select_related("owner", "team")
        .annotate(parted_well=Count("cases", filter=parted))
        .order_by("-parted_well", "id")[: len(FROM_FORMER_CLIENTS)]
    )
    return found


def _fans(exclude: set[int]) -> list[Account]:
    return list(
        Account.objects.filter(lifecycle=Lifecycle.ACTIVE)
        .exclude(pk__in=exclude)
        .select_related("owner", "team")
        .order_by("id")[: len(FROM_FANS)]
    )


def _referred_for(referrer: Account, taken: set[int]) -> Account | None:
    """An active account of the same team, not referred in the demo yet."""
    return (
        Account.objects.filter(team_id=referrer.team_id, lifecycle=Lifecycle.ACTIVE)
        .exclude(pk__in=taken | {referrer.pk})
        .order_by("id")
        .first()
    )


def _record(referrer: Account, plan: Planned, taken: set[int], now: datetime) -> bool:
    given = Referral.objects.filter(referrer=referrer)
    referred = None
    if plan.name:
        if given.filter(referred_name__iexact=plan.name).exists():
            return False
    else:
        # Run again, the referrer's referral to an account is the one already made.
        if given.filter(referred_account__isnull=False).exists():
            return False
        referred = _referred_for(referrer, taken)
        if referred is None:
            return False
        taken.add(referred.pk)
    referral_record(
        actor=_actor(referrer),
        referrer=referrer,
        referred_account=referred,
        referred_name=plan.name,
        referred_contact_name=plan.contact,
        referred_contact_email=plan.email,
        referred_on=timezone.localdate(now) - timedelta(days=plan.days_ago),
        note=plan.note,
        now=now,
    )
    return True


@transaction.atomic
def demo_referrals(*, now: datetime | None = None) -> int:
    """Add the demo referrals once; returns how many were added. Once any referral
    exists nothing is added: the accounts chosen depend on data that later demo
    steps change (churn, partings), so a second run would pick others."""
    if Referral.objects.exists():
        return 0
    now = now or timezone.now()
    taken = set(
        Referral.objects.filter(referred_account__isnull=False).values_list(
            "referred_account_id", flat=True
        )
    )
    former = _former_clients()
    fans = _fans(exclude={a.pk for a in former})
    made = 0
    for referrer, plan in [
        *zip(former, FROM_FORMER_CLIENTS, strict=False),
        *zip(fans, FROM_FANS, strict=False),
    ]:
        made += _record(referrer, plan, taken, now)
    return made
