"""Demo recoveries, told through the services so every row is one a user could
have made: an old incident recovered and written up, the same mistake again
(so "this has happened before" and "last chance" show), cases at every stage,
a paused clock, late steps that escalated, and cases opened without an incident."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from amends.accounts.models import Account, Lifecycle
from amends.incidents.models import CauseCategory, Fault, Incident, Severity
from amends.incidents.services import Impact, incident_declare, postmortem_update
from amends.people.models import Team, User
from amends.recovery.escalation import deadlines_check
from amends.recovery.models import CaseStep, Playbook, RecordKind, RecoveryCase
from amends.recovery.opening import case_open
from amends.recovery.services import (
    case_close,
    case_pause,
    commitment_add,
    commitment_break,
    commitment_keep,
    record_add,
    step_complete,
    step_skip,
)
from amends.timeline.services import Actor

RECORDS = {
    "first_contact": (RecordKind.CONTACT, {"channel": "call", "with_whom": "{contact}"}),
    "discovery": (
        RecordKind.CONVERSATION,
        {
            "participants": "{contact}, {owner}",
            "answers": [
                {
                    "question": "I know we may have made mistakes. "
                    "How can we help you and your team?",
                    "answer": "Send corrected forms before the filing deadline, and tell us "
                    "early next time.",
                }
            ],
        },
    ),
    "apology": (
        RecordKind.APOLOGY,
        {
            "channel": "in_person",
            "words": "I am sorry. I signed off the print run without checking the year, "
            "and it cost your team a week.",
        },
    ),
    "explanation": (
        RecordKind.EXPLANATION,
        {"text": "Our printer reused last year's template and we did not proof the first sheet."},
    ),
    "changes": (
        RecordKind.PREVENTIVE_CHANGE,
        {
            "what": "Proof the first sheet of every print run against the order",
            "how_customer_is_told": "We call you the same day if a run is held back.",
        },
    ),
    "adjacent_value": (
        RecordKind.GESTURE,
        {"gift_kind": "Training", "description": "A payroll-forms workshop for their staff"},
    ),
    "attentive": (
        RecordKind.FOLLOW_UP,
        {"note": "All good; no need to keep checking.", "released": True},
    ),
}


def _contact(account: Account) -> str:
    contact = account.contacts.first()
    return contact.name if contact else account.name


def _walk(case: RecoveryCase, owner: User, *, start: datetime, upto: str | None) -> None:
    """Do each step in turn, a few hours apart, until ``upto`` (exclusive; None = all)."""
    actor = Actor(user=owner, via="web")
    at = start
    for step in CaseStep.objects.filter(case=case).order_by("order"):
        if step.key == upto:
            return
        at = at + timedelta(hours=3)
        if step.key == "fix_plan":
            commitment_add(
                actor=actor,
                case=case,
                what="Reprint and deliver every corrected form",
                measure="Forms signed for at their office",
                owner=owner,
                due_at=at + timedelta(days=2),
                free_of_charge=True,
                now=at,
            )
        elif step.key == "act":
            for commitment in case.commitments.filter(status="open"):
                commitment_keep(actor=actor, commitment=commitment, now=at)
        elif step.key in RECORDS:
            kind, data = RECORDS[step.key]
            filled = {
                k: v.format(contact=_contact(case.account), owner=owner.get_full_name())
                if isinstance(v, str)
                else v
                for k, v in data.items()
            }
            record_add(actor=actor, case=case, kind=kind, data=filled, at=at)
        else:
            step_skip(actor=actor, step=step, reason="Done together with the step before", now=at)
            continue
        step.refresh_from_db(fields=["done_at"])
        if step.done_at is None:  # a step whose records are in completes itself
            step_complete(actor=actor, step=step, now=at)


@transaction.atomic
def demo_recovery(*, now: datetime | None = None) -> int:
    """Load the demo recoveries once; returns how many cases were opened."""
    if Incident.objects.exists():
        return 0
    now = now or timezone.now()
    team = Team.objects.filter(slug="key-accounts").first()
    if team is None:
        return 0
    accounts = list(
        Account.objects.filter(team=team, lifecycle__in=[Lifecycle.ACTIVE, Lifecycle.AT_RISK])
        .select_related("owner")
        .order_by("id")[:12]
    )
    if len(accounts) < 12:
        return 0
    eleni = User.objects.get(username="eleni")
    supplier = CauseCategory.objects.get(slug="supplier")

    # Two months ago: the first time.
    before = now - timedelta(days=60)
    first = incident_declare(
        actor=Actor(user=eleni, via="web"),
        team=team,
        title="Payroll tax forms printed with last year's template",
        description="The print supplier used **last year's** template for the PIT-11 run.",
        occurred_at=before - timedelta(days=2),
        discovered_at=before,
        severity=Severity.MAJOR,
        cause=supplier,
        fault=Fault.SUPPLIER,
        tags=["printing", "tax-forms"],
        affected=[
            Impact(account_id=a.pk, units=1200 + 300 * i) for i, a in enumerate(accounts[:3])
        ],
        now=before,
    )
    outcomes = ["recovered", "advocate", "lost"]
    for case, outcome in zip(first.cases.order_by("account__id"), outcomes, strict=True):
        owner = case.owner or eleni
        _walk(case, owner, start=before, upto=None if outcome != "lost" else "apology")
        if outcome == "lost":
            for step in case.steps.filter(done_at__isnull=True):
                step_skip(
                    actor=Actor(user=owner, via="web"),
                    step=step,
                    reason="The customer moved to another firm",
                    now=before + timedelta(days=5),
                )
        case_close(
            actor=Actor(user=owner, via="web"),
            case=case,
            outcome=outcome,
            note="",
            now=before + timedelta(days=20),
        )
    postmortem_update(
        actor=Actor(user=eleni, via="web"),
        incident=first,
        what_happened="About 4,000 payroll tax forms for three clients carried last year's year.",
        how_and_why="The supplier reused a template; **nobody proofed the first sheet**.",
        what_was_done="Every form reprinted and hand-delivered within a week.",
        what_changed="- The first sheet of every run is proofed against the order\n"
        "- The supplier confirms the template version in writing",
        publish=True,
    )

    # Two days ago: it happened again, and two of its clients were hurt before.
    again = now - timedelta(days=2)
    second = incident_declare(
        actor=Actor(user=eleni, via="web"),
        team=team,
        title="Wrong tax year printed on corrected forms",
        description="The corrected forms went out with the wrong year again.",
        occurred_at=again - timedelta(hours=5),
        discovered_at=again,
        severity=Severity.CRITICAL,
        cause=supplier,
        fault=Fault.OURS,
        tags=["printing", "tax-forms"],
        affected=[Impact(account_id=a.pk, people=40 + 10 * i) for i, a in enumerate(accounts[:9])],
        now=again,
    )
    stages = ["apology", "act", None, "first_contact", "discovery", None, "fix_plan", None, None]
    for case, upto in zip(second.cases.order_by("account__id"), stages, strict=True):
        if upto is not None and case.account.lifecycle != Lifecycle.CHURNED:
            _walk(case, case.owner or eleni, start=again, upto=upto)
    paused = second.cases.order_by("account__id")[5]
    case_pause(
        actor=Actor(user=paused.owner or eleni, via="web"),
        case=paused,
        reason="Waiting for their HR team to send the list of employees",
        now=again + timedelta(hours=1),
    )
    broken = second.cases.order_by("account__id")[1]
    promise = broken.commitments.first()
    if promise:
        commitment_break(
            actor=Actor(user=broken.owner or eleni, via="web"),
            commitment=promise,
            reason="The courier lost the parcel",
            now=again + timedelta(hours=20),
        )

    # Without an incident: a cooling relationship and a complaint.
    for account, kind, reason in [
        (accounts[9], "thaw", "No orders and no answer for 90 days"),
        (accounts[10], "complaint", "Invoice sent twice; the customer called, upset"),
        (accounts[11], "parting", "Keeps asking for work we do not do"),
    ]:
        case_open(
            actor=Actor(user=account.owner or eleni, via="web"),
            account=account,
            playbook=Playbook.objects.get(kind=kind),
            severity=Severity.MODERATE,
            reason=reason,
            now=now - timedelta(days=4),
        )
    deadlines_check(now=now)
    return RecoveryCase.objects.count()
