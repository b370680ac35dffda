"""Demo partings on the demo data set, each at a different stage: a conversation
still to hold, a decision to continue with its attentive period, a mutual parting
half-way through its plan, one that closed months ago (a former client now), and
a customer let go for abuse. Nothing is emailed: updates are only posted."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from amends.accounts.models import Account, Lifecycle
from amends.complaints.models import AbuseReport
from amends.customerpage.services import case_update_post
from amends.incidents.models import Severity
from amends.parting.abuse import account_let_go_for_abuse
from amends.parting.closing import exit_feedback_record, exit_final_conversation, exit_plan_close
from amends.parting.conversation import conversation_record
from amends.parting.models import CrucialConversation, ExitItemKind, ExitPlan
from amends.parting.services import (
    ExitItemInput,
    conversation_decide_continue,
    conversation_decide_part,
    exit_item_done,
    exit_update_draft,
)
from amends.people.models import Team, User
from amends.recovery.models import Playbook, PlaybookKind, RecoveryCase
from amends.recovery.opening import case_open
from amends.timeline.services import Actor


def _free_accounts(team: Team, count: int) -> list[Account]:
    """Active accounts of ``team`` that have never had a case, oldest first."""
    return list(
        Account.objects.filter(team=team, lifecycle=Lifecycle.ACTIVE, cases__isnull=True)
        .select_related("owner")
        .order_by("id")[:count]
    )


def _open(account: Account, owner: User, reason: str, at: datetime) -> RecoveryCase:
    return case_open(
        actor=Actor(user=owner, via="web"),
        account=account,
        playbook=Playbook.objects.get(kind=PlaybookKind.PARTING),
        severity=Severity.MODERATE,
        reason=reason,
        owner=owner,
        now=at,
    )


def _talk(case: RecoveryCase, people: list[User], at: datetime, **words: str) -> None:
    contact = case.account.contacts.first()
    conversation_record(
        actor=Actor(user=people[0], via="web"),
        case=case,
        held_at=at,
        our_people=people,
        their_people=contact.name if contact else "Their director",
        now=at,
        **words,
    )


def _items(owner: User, manager: User, start: datetime) -> list[ExitItemInput]:
    day = timezone.localdate(start)
    return [
        ExitItemInput(
            ExitItemKind.DELIVERABLE, "The last quarter's reports", owner, day + timedelta(10)
        ),
        ExitItemInput(
            ExitItemKind.DATA_HANDOVER,
            "Their data as CSV, and a call to walk through it",
            owner,
            day + timedelta(14),
        ),
        ExitItemInput(
            ExitItemKind.FINAL_INVOICE,
            "Final invoice, pro rata, no exit fee",
            manager,
            day + timedelta(30),
        ),
        ExitItemInput(
            ExitItemKind.NEXT_STEP,
            "Introduce them to a provider who suits them better",
            manager,
            day + timedelta(7),
        ),
    ]


@transaction.atomic
def demo_parting(*, now: datetime | None = None) -> int:
    """Load the demo partings once; returns how many parting cases they touched."""
    if CrucialConversation.objects.exists() or ExitPlan.objects.exists():
        return 0
    now = now or timezone.now()
    team = Team.objects.filter(slug="key-accounts").first()
    shop = Team.objects.filter(slug="ecommerce").first()
    names = {u.username: u for u in User.objects.filter(username__in=["eleni", "maria", "sam"])}
    if team is None or shop is None or len(names) < 3:
        return 0
    eleni, maria, sam = names["eleni"], names["maria"], names["sam"]
    free = _free_accounts(team, 3)
    if len(free) < 3:
        return 0
    touched = 0
    words = {
        "not_working": "They need same-day changes; our plans are built monthly.",
        "our_part": "We promised flexibility in the sales call that our process cannot give.",
        "their_part": "Their requests arrive without the information we need to act.",
        "options": "A weekly change window; a dedicated contact; parting on good terms.",
    }

    # Still to hold: the case the recovery demo opened four days ago stays as it is.
    # Continue: agreed a new way of working, now in the attentive period.
    at = now - timedelta(days=20)
    case = _open(free[0], eleni, "Every month ends in an argument about scope", at)
    _talk(case, [eleni, maria], at + timedelta(days=1), **words)
    conversation_decide_continue(
        actor=Actor(user=eleni, via="web"),
        case=case,
        agreed="A weekly change window on Tuesdays; Maria is their second contact.",
        owner=eleni,
        attentive_days=60,
        follow_up_every_days=14,
        now=at + timedelta(days=1),
    )
    touched += 1

    # Parting by mutual decision, half-way through the plan.
    at = now - timedelta(days=9)
    case = _open(free[1], eleni, "Wants a same-day service we do not offer", at)
    _talk(case, [eleni], at, **words)
    plan = conversation_decide_part(
        actor=Actor(user=eleni, via="web"),
        case=case,
        end_on=timezone.localdate(at) + timedelta(days=30),
        owner=eleni,
        items=_items(eleni, maria, at),
        update_every_days=7,
        note="Both sides agree they need a provider with a same-day service.",
        now=at,
    )
    item = plan.items.get(kind=ExitItemKind.NEXT_STEP)
    exit_item_done(actor=Actor(user=maria, via="web"), item=item, now=at + timedelta(days=5))
    case_update_post(
        actor=Actor(user=eleni, via="web"),
        case=case,
        text=exit_update_draft(plan=plan, now=at + timedelta(days=6)),
        now=at + timedelta(days=6),
    )
    ExitPlan.objects.filter(pk=plan.pk).update(next_update_due=at + timedelta(days=13))
    touched += 1

    # Closed four months ago, with thanks on both sides: a former client.
    at = now - timedelta(days=150)
    case = _open(free[2], maria, "They outgrew what we do", at)
    _talk(case, [maria], at + timedelta(days=2), **words)
    plan = conversation_decide_part(
        actor=Actor(user=maria, via="web"),
        case=case,
        end_on=timezone.localdate(at) + timedelta(days=35),
        owner=maria,
        items=_items(maria, maria, at),
        now=at + timedelta(days=2),
    )
    for number, item in enumerate(plan.items.all(), start=1):
        exit_item_done(
            actor=Actor(user=maria, via="web"), item=item, now=at + timedelta(days=3 + number)
        )
        case_update_post(
            actor=Actor(user=maria, via="web"),
            case=case,
            text=exit_update_draft(plan=plan, now=at + timedelta(days=3 + number)),
            now=at + timedelta(days=3 + number),
        )
    exit_final_conversation(
        actor=Actor(user=maria, via="web"),
        plan=plan,
        note="Thanked them for four good years; they will call us for smaller projects.",
        at=at + timedelta(days=30),
    )
    exit_feedback_record(
        actor=Actor.system(),
        plan=plan,
        rating=5,
        would_recommend=True,
        comment="The cleanest hand-over we have had from any supplier.",
        from_customer=True,
        now=at + timedelta(days=31),
    )
    exit_plan_close(
        actor=Actor(user=maria, via="web"),
        plan=plan,
        note="Parted as friends.",
        now=at + timedelta(days=36),
    )
    touched += 1

    # Let go for abuse: two reports against the same shopper, a manager decides.
    shopper = _free_accounts(shop, 1)
    li = User.objects.filter(username="li").first()
    if shopper and li is not None:
        account = shopper[0]
        for days, what in [
            (40, "Called Li names over a late parcel and threatened to post her photo."),
            (12, "Insults and threats in three emails in one evening."),
        ]:
            AbuseReport.objects.create(
                account=account,
                staff=li,
                description=what,
                at=now - timedelta(days=days),
                reported_by=sam,
            )
        account_let_go_for_abuse(
            actor=Actor(user=sam, via="web"),
            account=account,
            reason="Repeated insults and threats to our staff after a written warning.",
            protected_staff=[li],
            end_on=timezone.localdate(now) + timedelta(days=14),
            owner=sam,
            items=[
                ExitItemInput(
                    ExitItemKind.DATA_HANDOVER,
                    "Order history export",
                    sam,
                    timezone.localdate(now) + timedelta(days=7),
                ),
                ExitItemInput(
                    ExitItemKind.FINAL_INVOICE,
                    "Refund of the open subscription",
                    sam,
                    timezone.localdate(now) + timedelta(days=14),
                ),
            ],
            now=now - timedelta(days=2),
        )
        touched += 1
    return touched
