"""Reads for Playbook 4: the parting page's data, and the updates that are due."""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from amends.accounts.selectors import protected_staff_for
from amends.parting.models import CrucialConversation, ExitItem, ExitPlan
from amends.people.access import READ, team_ids_for
from amends.people.models import User
from amends.recovery.models import Commitment, CommitmentStatus, PlaybookKind, RecoveryCase
from amends.recovery.selectors import case_get_for, commitment_is_late


def parting_case_get_for(
    *, user: User | AnonymousUser, case_id: int, action: str = READ
) -> RecoveryCase:
    """The parting case ``user`` may see (404 otherwise, or for another playbook)."""
    case = case_get_for(user=user, case_id=case_id, action=action)
    if case.playbook.kind != PlaybookKind.PARTING:
        raise Http404("This is not a parting case.")
    return case


@dataclass
class ItemRow:
    item: ExitItem
    commitment: Commitment  # the live promise: the last of any renegotiations
    late: bool


@dataclass
class PartingState:
    case: RecoveryCase
    conversation: CrucialConversation | None
    plan: ExitPlan | None
    items: list[ItemRow] = field(default_factory=list)
    follow_ups: list[Commitment] = field(default_factory=list)
    update_late: bool = False
    # Kept away from the customer after it was let go for abuse (the accounts layer's rule).
    protected: list[User] = field(default_factory=list)

    @property
    def items_open(self) -> int:
        return sum(row.commitment.status == CommitmentStatus.OPEN for row in self.items)


def _live(commitment: Commitment, replacements: dict[int, Commitment]) -> Commitment:
    while commitment.pk in replacements:
        commitment = replacements[commitment.pk]
    return commitment


def parting_state(*, case: RecoveryCase, now: datetime) -> PartingState:
    conversation = (
        CrucialConversation.objects.filter(case=case).prefetch_related("our_people").first()
    )
    plan = ExitPlan.objects.filter(case=case).first()
    state = PartingState(case=case, conversation=conversation, plan=plan)
    if plan is not None and plan.abuse_reason:
        state.protected = protected_staff_for(account_id=case.account_id)
    commitments = list(case.commitments.select_related("owner"))
    replacements = {c.replaces_id: c for c in commitments if c.replaces_id}
    # The case's own commitments know their case: lateness reads its pause.
    loaded = {c.pk: c for c in commitments}
    if plan is not None:
        for item in plan.items.select_related("commitment"):
            live = _live(loaded.get(item.commitment_id, item.commitment), replacements)
            late = commitment_is_late(live, now=now)
            state.items.append(ItemRow(item=item, commitment=live, late=late))
        state.items.sort(key=lambda row: (row.commitment.due_at, row.item.pk))
        state.update_late = bool(
            not plan.is_closed and plan.next_update_due and plan.next_update_due < now
        )
    elif conversation is not None and conversation.decision == "continue":
        state.follow_ups = [c for c in commitments if c.status != CommitmentStatus.RENEGOTIATED]
    return state


def exit_updates_due(*, user: User, now: datetime) -> list[ExitPlan]:
    """Open mutual exits, in teams ``user`` can see and on cases they own, whose next
    progress update is due by now."""
    plans = ExitPlan.objects.filter(
        closed_at__isnull=True,
        next_update_due__lte=now,
        case__owner=user,
        case__closed_at__isnull=True,
    )
    teams = team_ids_for(user, READ)
    if teams is not None:
        plans = plans.filter(case__account__team_id__in=teams)
    return list(plans.select_related("case__account").order_by("next_update_due")[:200])


def exit_feedback_wanted(*, case: RecoveryCase) -> ExitPlan | None:
    """The open mutual exit of ``case`` still waiting for the customer's feedback."""
    return ExitPlan.objects.filter(
        case=case, kind="mutual", closed_at__isnull=True, feedback_at__isnull=True
    ).first()
