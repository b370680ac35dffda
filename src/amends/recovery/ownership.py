"""Services: who owns a case and who owns a promise. Each change is checked (a
member of the account's team who may write, never someone protected from this
customer) and recorded on the account's timeline in the caller's transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction

from amends.accounts.selectors import PROTECTED_MESSAGE, protected_pairs
from amends.people.access import WRITE, user_can
from amends.people.models import User
from amends.recovery.models import Commitment, CommitmentStatus, RecoveryCase
from amends.recovery.services import _require_write, case_lock, case_log
from amends.timeline.services import Actor


def _check_new_owner(case: RecoveryCase, owner: User) -> None:
    if not user_can(owner, WRITE, case.account.team_id):
        raise ValidationError(
            {"owner": f"{owner.get_username()} cannot work on this team's cases."}
        )
    if (case.account_id, owner.pk) in protected_pairs(account_ids=[case.account_id]):
        raise ValidationError({"owner": PROTECTED_MESSAGE.format(name=owner.get_username())})


@transaction.atomic
def case_owner_set(*, actor: Actor, case: RecoveryCase, owner: User) -> RecoveryCase:
    case = case_lock(case)
    _require_write(actor, case)
    if case.owner_id == owner.pk:
        return case
    _check_new_owner(case, owner)
    before = case.owner.username if case.owner else ""
    case.owner = owner
    case.save(update_fields=["owner"])
    case_log(
        actor,
        case,
        "case.owner_changed",
        f"Owner: {owner.username}",
        before={"owner": before},
        after={"owner": owner.username},
    )
    return case


@transaction.atomic
def commitment_owner_set(*, actor: Actor, commitment: Commitment, owner: User) -> Commitment:
    case = case_lock(commitment.case)
    _require_write(actor, case)
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if commitment.status != CommitmentStatus.OPEN:
        raise ValidationError("This promise is resolved: its owner no longer changes.")
    if commitment.owner_id == owner.pk:
        return commitment
    _check_new_owner(case, owner)
    before = commitment.owner.username if commitment.owner else ""
    commitment.owner = owner
    commitment.save(update_fields=["owner"])
    case_log(
        actor,
        case,
        "case.commitment_owner_changed",
        f"Commitment “{commitment.what}”: owner {owner.username}",
        before={"owner": before},
        after={"owner": owner.username, "commitment": commitment.pk},
    )
    return commitment
