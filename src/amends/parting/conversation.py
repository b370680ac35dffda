"""Recording the crucial conversation, the first step of a parting case (Playbook 4)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from amends.parting.models import CrucialConversation
from amends.parting.services import _finish_step, _require_parting, _text
from amends.people.models import User
from amends.people.selectors import team_members
from amends.recovery.models import RecordKind, RecoveryCase
from amends.recovery.services import case_lock, record_add
from amends.timeline.services import Actor


@transaction.atomic
def conversation_record(
    *,
    actor: Actor,
    case: RecoveryCase,
    not_working: str,
    our_part: str,
    their_part: str,
    options: str,
    our_people: list[User],
    their_people: str,
    held_at: datetime | None = None,
    now: datetime | None = None,
) -> CrucialConversation:
    case = case_lock(case)
    _require_parting(actor, case)
    now = now or timezone.now()
    held_at = held_at or now
    if CrucialConversation.objects.filter(case=case).exists():
        raise ValidationError(
            gettext("The crucial conversation of this case is already on record.")
        )
    errors: dict[str, str] = {}
    not_working = _text(errors, "not_working", not_working, "Say what is not working.")
    our_part = _text(errors, "our_part", our_part, "Admit our part: what did we get wrong?")
    their_part = _text(errors, "their_part", their_part, "Say their part, plainly and fairly.")
    options = _text(errors, "options", options, "List the options you discussed.")
    their_people = (their_people or "").strip()[:300]
    if not their_people:
        errors["their_people"] = gettext("Say who was there from the customer.")
    team = set(team_members(team_id=case.account.team_id).values_list("pk", flat=True))
    if not our_people:
        errors["our_people"] = gettext("Say who was there from our side.")
    elif any(person.pk not in team for person in our_people):
        errors["our_people"] = gettext("Only people of the account's team can be named.")
    if held_at > now:
        errors["held_at"] = gettext("A conversation on record has already happened.")
    if errors:
        raise ValidationError(errors)
    conversation = CrucialConversation.objects.create(
        case=case,
        held_at=held_at,
        not_working=not_working,
        our_part=our_part,
        their_part=their_part,
        options=options,
        their_people=their_people,
        recorded_by=actor.user,
    )
    conversation.our_people.set(our_people)
    # The same conversation as a case record, so the playbook's first step sees it.
    names = ", ".join(p.get_full_name() or p.get_username() for p in our_people)
    record_add(
        actor=actor,
        case=case,
        kind=RecordKind.CONVERSATION,
        at=held_at,
        data={
            "participants": f"{names}; {their_people}",
            "answers": [
                {"question": "What is not working?", "answer": not_working},
                {"question": "Our part", "answer": our_part},
                {"question": "Their part", "answer": their_part},
                {"question": "Options discussed", "answer": options},
            ],
        },
    )
    _finish_step(actor, case, "conversation", now)
    return conversation
