"""Writes for Playbook 4: the decision after the crucial conversation, the exit plan
and its parts, and the progress updates sent to the customer while it runs; the
helpers every parting service shares. Recording the conversation is in
conversation.py, the end of an exit plan in closing.py, letting a customer go for
abuse in abuse.py. Each service owns its transaction and builds on the recovery
services, so every step, record and promise lands on the case and the account's
timeline exactly as the case page would put it there."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from django.utils.translation import gettext as _

from amends.accounts.models import Lifecycle
from amends.comms.models import Message
from amends.comms.services import Outgoing, message_deliver_on_commit, message_queue
from amends.customerpage.models import CaseUpdate
from amends.customerpage.selectors import customer_language, share_url
from amends.customerpage.services import case_share_create, case_update_post
from amends.parting.models import (
    CrucialConversation,
    Decision,
    ExitItem,
    ExitItemKind,
    ExitKind,
    ExitPlan,
)
from amends.people.models import User
from amends.people.selectors import team_workers
from amends.recovery.models import (
    CaseStep,
    Commitment,
    CommitmentStatus,
    PlaybookKind,
    RecordKind,
    RecoveryCase,
)
from amends.recovery.services import (
    accounts_lifecycle_move,
    case_lock,
    case_log,
    commitment_add,
    commitment_keep,
    record_add,
    step_complete,
)
from amends.timeline.services import Actor, said

MAX_FOLLOW_UPS = 12
# A second click on "send" within this window is the same update, not a new one.
SAME_UPDATE_WINDOW = timedelta(minutes=2)
TEXT_MAX = 5000


@dataclass(frozen=True)
class ExitItemInput:
    kind: str
    what: str
    owner: User | None
    due_on: date | None


# -- helpers -----------------------------------------------------------------------


def _require_parting(actor: Actor, case: RecoveryCase) -> None:
    actor.require_write(
        case.account.team_id, gettext("You may look at this case but not change it.")
    )
    if case.playbook.kind != PlaybookKind.PARTING:
        raise ValidationError(gettext("This is not a parting case (Playbook 4)."))
    if case.is_closed:
        raise ValidationError(gettext("This case is closed and can no longer be changed."))


def _end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(17, 0)))


def _text(errors: dict, field: str, value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = message
    elif len(value) > TEXT_MAX:
        errors[field] = gettext("Keep it under %(text_max)s characters.") % {"text_max": TEXT_MAX}
    return value


def _finish_step(actor: Actor, case: RecoveryCase, key: str, now: datetime) -> None:
    step = CaseStep.objects.filter(case=case, key=key, done_at__isnull=True).first()
    if step is not None:
        step_complete(actor=actor, step=step, now=now)


def _current(commitment: Commitment) -> Commitment:
    """A renegotiated promise lives on in the one that replaced it."""
    commitment = Commitment.objects.get(pk=commitment.pk)
    while commitment.status == CommitmentStatus.RENEGOTIATED:
        commitment = Commitment.objects.get(replaces=commitment)
    return commitment


# -- the decision after the crucial conversation --------------------------------------


@transaction.atomic
def conversation_decide_continue(
    *,
    actor: Actor,
    case: RecoveryCase,
    agreed: str,
    owner: User,
    attentive_days: int = 60,
    follow_up_every_days: int = 14,
    now: datetime | None = None,
) -> list[Commitment]:
    """Continue: what was agreed, then an attentive period of dated follow-ups, each a
    promise to check in (as in Playbook 2)."""
    case = case_lock(case)
    conversation = _undecided(actor, case)
    now = now or timezone.now()
    errors: dict[str, str] = {}
    agreed = _text(
        errors, "agreed", agreed, "Write down what you agreed, so both sides can hold to it."
    )
    if not 7 <= attentive_days <= 365:
        errors["attentive_days"] = gettext("The attentive period runs from 7 to 365 days.")
    if not 1 <= follow_up_every_days <= attentive_days:
        errors["follow_up_every_days"] = gettext("Follow up at least once in the attentive period.")
    if owner is None or owner.pk not in _workers(case):
        errors["owner"] = gettext(
            "The owner must be someone in the account's team who can do the work."
        )
    if errors:
        raise ValidationError(errors)
    record_add(
        actor=actor,
        case=case,
        kind=RecordKind.DECISION,
        data={"decision": "continue", "note": agreed},
    )
    count = min(MAX_FOLLOW_UPS, attentive_days // follow_up_every_days)
    with translation.override(customer_language(case)):
        what = _("Check in on what we agreed (%(number)s of %(count)s)")
        measure = _("We talk again: is what we agreed working?")
    follow_ups = [
        commitment_add(
            actor=actor,
            case=case,
            what=what % {"number": number, "count": count},
            measure=measure,
            owner=owner,
            due_at=_end_of_day((now + timedelta(days=follow_up_every_days * number)).date()),
            now=now,
        )
        for number in range(1, count + 1)
    ]
    conversation.decision = Decision.CONTINUE
    conversation.decided_at = now
    conversation.agreed = agreed
    conversation.attentive_until = (now + timedelta(days=attentive_days)).date()
    conversation.save(update_fields=["decision", "decided_at", "agreed", "attentive_until"])
    _finish_step(actor, case, "decision", now)
    _finish_step(actor, case, "next_steps", now)
    case_log(
        actor,
        case,
        "parting.continue",
        said(
            gettext_noop("Decided to continue; attentive until %(day)s"),
            day=conversation.attentive_until,
        ),
        after={"agreed": agreed},
    )
    return follow_ups


def _undecided(actor: Actor, case: RecoveryCase) -> CrucialConversation:
    _require_parting(actor, case)
    conversation = CrucialConversation.objects.filter(case=case).first()
    if conversation is None:
        raise ValidationError(gettext("Hold and record the crucial conversation before deciding."))
    if conversation.decision:
        raise ValidationError(gettext("The decision of this case is already on record."))
    return conversation


@transaction.atomic
def conversation_decide_part(
    *,
    actor: Actor,
    case: RecoveryCase,
    end_on: date,
    owner: User,
    items: list[ExitItemInput],
    update_every_days: int = 7,
    note: str = "",
    now: datetime | None = None,
) -> ExitPlan:
    """Part by mutual decision: the exit plan opens at once."""
    case = case_lock(case)
    conversation = _undecided(actor, case)
    now = now or timezone.now()
    record_add(
        actor=actor,
        case=case,
        kind=RecordKind.DECISION,
        data={"decision": "part", "note": note.strip()[:TEXT_MAX]},
    )
    plan = _plan_open(
        actor=actor,
        case=case,
        kind=ExitKind.MUTUAL,
        end_on=end_on,
        owner=owner,
        items=items,
        update_every_days=update_every_days,
        now=now,
    )
    conversation.decision = Decision.PART
    conversation.decided_at = now
    conversation.agreed = note.strip()[:TEXT_MAX]
    conversation.save(update_fields=["decision", "decided_at", "agreed"])
    _finish_step(actor, case, "decision", now)
    _finish_step(actor, case, "next_steps", now)
    # The customer sees the plan and its updates on their own page.
    case_share_create(actor=actor, case=case)
    return plan


# -- the exit plan ---------------------------------------------------------------------


REQUIRED_KINDS = (ExitItemKind.DATA_HANDOVER, ExitItemKind.FINAL_INVOICE)
MEASURES = {
    ExitItemKind.END: gettext_lazy("The service stops on this date; nothing is billed after it."),
    ExitItemKind.DELIVERABLE: gettext_lazy("You confirm you have it."),
    ExitItemKind.DATA_HANDOVER: gettext_lazy("You confirm you received your data and can read it."),
    ExitItemKind.FINAL_INVOICE: gettext_lazy(
        "The final invoice is sent, and it holds no surprises."
    ),
    ExitItemKind.NEXT_STEP: gettext_lazy("Done, and you were told."),
}


def _workers(case: RecoveryCase) -> set[int]:
    """Who may own work on this case: the account's team members who can write."""
    return set(team_workers(team_id=case.account.team_id).values_list("pk", flat=True))


def _item_errors(item: ExitItemInput, workers: set[int], today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if item.kind not in ExitItemKind.values or item.kind == ExitItemKind.END:
        errors["kind"] = gettext(
            "Choose a deliverable, a data hand-over, a final invoice or a next step."
        )
    if not item.what.strip():
        errors["what"] = gettext("Say what will be done.")
    if item.owner is None or item.owner.pk not in workers:
        errors["owner"] = gettext("Each part of the exit needs an owner from the account's team.")
    if item.due_on is None:
        errors["due_on"] = gettext("Each part of the exit needs a date.")
    elif item.due_on < today:
        errors["due_on"] = gettext("This date has already passed.")
    return errors


def _plan_open(
    *,
    actor: Actor,
    case: RecoveryCase,
    kind: str,
    end_on: date,
    owner: User,
    items: list[ExitItemInput],
    update_every_days: int,
    now: datetime,
    abuse_reason: str = "",
) -> ExitPlan:
    today = timezone.localdate(now)
    workers = _workers(case)
    errors = {
        f"items.{number}.{field}": message
        for number, item in enumerate(items, start=1)
        for field, message in _item_errors(item, workers, today).items()
    }
    if end_on is None:
        errors["end_on"] = gettext("Agree the date the service ends.")
    elif end_on < today:
        errors["end_on"] = gettext("The service cannot end in the past.")
    if owner is None or owner.pk not in workers:
        errors["owner"] = gettext("The exit needs an owner from the account's team.")
    kinds = {item.kind for item in items}
    for needed in REQUIRED_KINDS:
        if needed not in kinds:
            errors.setdefault("items", f"The plan needs a {ExitItemKind(needed).label.lower()}.")
    if not 1 <= update_every_days <= 90:
        errors["update_every_days"] = gettext("Send an update every 1 to 90 days.")
    if errors:
        raise ValidationError(errors)
    if ExitPlan.objects.filter(case=case).exists():
        raise ValidationError(gettext("This case already has an exit plan."))
    plan = ExitPlan.objects.create(
        case=case,
        kind=kind,
        end_on=end_on,
        update_every_days=update_every_days,
        next_update_due=now + timedelta(days=update_every_days)
        if kind == ExitKind.MUTUAL
        else None,
        opened_at=now,
        opened_by=actor.user,
        abuse_reason=abuse_reason,
    )
    end = ExitItemInput(ExitItemKind.END, "", owner, end_on)
    for item in [end, *items]:
        _item_create(actor, plan, item, now=now)
    accounts_lifecycle_move(actor, [case.account], Lifecycle.PARTING, now)
    case_log(
        actor,
        case,
        "parting.plan_opened",
        said(
            gettext_noop("Exit plan opened (%(kind)s); service ends on %(day)s"),
            kind=ExitKind(kind).label,
            day=f"{end_on:%Y-%m-%d}",
        ),
        after={"end_on": end_on.isoformat(), "kind": kind},
    )
    return plan


def _item_create(
    actor: Actor, plan: ExitPlan, item: ExitItemInput, now: datetime | None = None
) -> ExitItem:
    assert item.owner is not None and item.due_on is not None
    # The customer reads these on their page: in their language.
    with translation.override(customer_language(plan.case)):
        if item.kind == ExitItemKind.END:
            what = _("Service ends on %(day)s") % {"day": item.due_on.isoformat()}
        else:
            what = f"{ExitItemKind(item.kind).label}: {item.what.strip()}"
        measure = str(MEASURES[ExitItemKind(item.kind)])
    commitment = commitment_add(
        actor=actor,
        case=plan.case,
        what=what[:300],
        measure=measure,
        owner=item.owner,
        due_at=_end_of_day(item.due_on),
        now=now,
    )
    return ExitItem.objects.create(plan=plan, kind=item.kind, commitment=commitment)


def _open_plan(actor: Actor, plan: ExitPlan) -> ExitPlan:
    case = case_lock(plan.case)
    _require_parting(actor, case)
    plan = ExitPlan.objects.select_for_update(of=("self",)).select_related("case").get(pk=plan.pk)
    plan.case = case
    if plan.is_closed:
        raise ValidationError(gettext("This exit plan is closed."))
    return plan


@transaction.atomic
def exit_item_add(*, actor: Actor, plan: ExitPlan, item: ExitItemInput) -> ExitItem:
    plan = _open_plan(actor, plan)
    errors = _item_errors(item, _workers(plan.case), timezone.localdate())
    if errors:
        raise ValidationError(errors)
    return _item_create(actor, plan, item)


@transaction.atomic
def exit_item_done(*, actor: Actor, item: ExitItem, now: datetime | None = None) -> Commitment:
    _open_plan(actor, item.plan)
    return commitment_keep(actor=actor, commitment=_current(item.commitment), now=now)


# -- progress updates to the customer -------------------------------------------------


def exit_update_draft(*, plan: ExitPlan, now: datetime | None = None) -> str:
    """The words a progress update starts from, in the customer's language: what is
    done and what comes next, with dates. The person sending edits them."""
    now = now or timezone.now()
    case = plan.case
    with translation.override(customer_language(case)):
        lines = [_("Here is where we are with the hand-over.")]
        done, coming = [], []
        # The end of service closes the text on its own line, not in the lists.
        for item in plan.items.exclude(kind=ExitItemKind.END).select_related("commitment"):
            commitment = _current(item.commitment)
            day = timezone.localtime(commitment.due_at).date().isoformat()
            if commitment.status in (CommitmentStatus.KEPT, CommitmentStatus.KEPT_LATE):
                done.append(f"✓ {commitment.what}")
            elif commitment.status == CommitmentStatus.OPEN:
                coming.append(f"• {commitment.what} ({day})")
        if done:
            lines += ["", _("Done:"), *done]
        if coming:
            lines += ["", _("Still to come:"), *coming]
        lines += ["", _("Our service ends on %(day)s.") % {"day": plan.end_on.isoformat()}]
        return "\n".join(lines)


@dataclass(frozen=True)
class UpdateSent:
    update: CaseUpdate
    messages: list[Message]
    delivered: int


def exit_update_send(
    *, actor: Actor, plan: ExitPlan, text: str, now: datetime | None = None
) -> UpdateSent:
    """A progress update: on the customer's page, and by email to the account's
    contacts with an address. The mail goes out after the update is committed, once
    per contact (the delivery log's key), so a retry never sends twice."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = _open_plan(actor, plan)
        case = plan.case
        text = (text or "").strip()
        recent = CaseUpdate.objects.filter(
            case=case, text=text, posted_at__gte=now - SAME_UPDATE_WINDOW
        ).first()
        update = recent or case_update_post(actor=actor, case=case, text=text, now=now)
        plan.next_update_due = now + timedelta(days=plan.update_every_days)
        plan.save(update_fields=["next_update_due"])
        share, _made = case_share_create(actor=actor, case=case)
        language = customer_language(case)
        with translation.override(language):
            subject = _("Progress of our hand-over: %(account)s") % {"account": case.account.name}
            link = _("The whole plan, always up to date: %(url)s") % {"url": share_url(share)}
        messages = [
            message_queue(
                actor=actor,
                outgoing=Outgoing(
                    key=f"case:{case.pk}:exit-update:{update.pk}:{contact.email.lower()}",
                    kind="update",
                    to_email=contact.email,
                    to_name=contact.name,
                    language=language,
                    subject=subject,
                    body=f"{text}\n\n{link}\n",
                    case=case,
                ),
            )[0]
            for contact in case.account.contacts.exclude(email="")
        ]
        case_log(
            actor,
            case,
            "parting.update_sent",
            said(gettext_noop("Progress update sent")),
            after={"recipients": len(messages)},
        )
    # After the update commits (at once here, or when a caller's transaction does).
    sent = [message_deliver_on_commit(m, actor=actor) for m in messages if m.state != "sent"]
    return UpdateSent(update=update, messages=messages, delivered=sum(map(len, sent)))
