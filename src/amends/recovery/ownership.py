"""Services: who owns a case and who owns a promise. Each change is checked (a
member of the account's team who may write, never someone protected from this
customer) and recorded on the account's timeline in the caller's transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop

from amends.accounts.selectors import PROTECTED_MESSAGE, protected_pairs
from amends.people.access import WRITE, user_can
from amends.people.models import User
from amends.recovery.models import Commitment, CommitmentStatus, RecoveryCase
from amends.recovery.services import case_lock, case_log, case_require_write
from amends.timeline.models import NotificationKind
from amends.timeline.services import Actor, Said, notification_send, said


def _check_new_owner(case: RecoveryCase, owner: User) -> None:
    if not user_can(owner, WRITE, case.account.team_id):
        raise ValidationError(
            {
                "owner": gettext("%(value)s cannot work on this team's cases.")
                % {"value": owner.get_username()}
            }
        )
    if (case.account_id, owner.pk) in protected_pairs(account_ids=[case.account_id]):
        raise ValidationError({"owner": PROTECTED_MESSAGE.format(name=owner.get_username())})


def _hand_over(actor: Actor, case: RecoveryCase, held, owner: User, action: str, summary: Said):
    """Give ``held`` (the case, or one of its promises) to ``owner``, on the timeline."""
    if held.owner_id == owner.pk:
        return held
    _check_new_owner(case, owner)
    before = held.owner.username if held.owner else ""
    held.owner = owner
    held.save(update_fields=["owner"])
    after = {"owner": owner.username}
    if held is not case:
        after["commitment"] = held.pk
    case_log(actor, case, action, summary, before={"owner": before}, after=after)
    given = (
        said(
            gettext_noop("%(who)s gave you the promise “%(what)s” of %(account)s"),
            who=actor.name,
            what=held.what,
            account=case.account.name,
        )
        if held is not case
        else said(
            gettext_noop("%(who)s gave you the case of %(account)s"),
            who=actor.name,
            account=case.account.name,
        )
    )
    notification_send(
        actor=actor,
        recipient=owner,
        kind=NotificationKind.ASSIGNED,
        summary=given,
        path=reverse("recovery:case", args=[case.pk]),
    )
    return held


@transaction.atomic
def case_owner_set(*, actor: Actor, case: RecoveryCase, owner: User) -> RecoveryCase:
    case = case_lock(case)
    case_require_write(actor, case)
    summary = said(gettext_noop("Owner: %(owner)s"), owner=owner.username)
    return _hand_over(actor, case, case, owner, "case.owner_changed", summary)


@transaction.atomic
def commitment_owner_set(*, actor: Actor, commitment: Commitment, owner: User) -> Commitment:
    case = case_lock(commitment.case)
    case_require_write(actor, case)
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if commitment.status != CommitmentStatus.OPEN:
        raise ValidationError(gettext("This promise is resolved: its owner no longer changes."))
    summary = said(
        gettext_noop("Commitment “%(what)s”: owner %(owner)s"),
        what=commitment.what,
        owner=owner.username,
    )
    return _hand_over(actor, case, commitment, owner, "case.commitment_owner_changed", summary)
