"""Writes to open recovery cases: steps, the clock, records and commitments, closing; and
the helpers every case service shares. Opening cases is in ``opening.py``. Every service
takes an Actor, runs in one transaction, refuses to touch a closed case, and records on
the account's timeline."""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from amends.accounts.models import Account, Lifecycle
from amends.accounts.selectors import PROTECTED_MESSAGE, protected_pairs
from amends.core.shipped import shipped
from amends.people.models import User
from amends.recovery.models import (
    CasePause,
    CaseRecord,
    CaseStep,
    Commitment,
    CommitmentStatus,
    Outcome,
    RecordKind,
    RecoveryCase,
    Requirement,
)
from amends.recovery.records import record_data_clean
from amends.recovery.selectors import step_missing
from amends.timeline.models import Event
from amends.timeline.services import Actor, Said, event_build, event_record, field_names, said


def case_require_write(actor: Actor, case: RecoveryCase, *, open_only: bool = True) -> None:
    """Refuse a change to ``case`` by someone who may only look at it, and (unless
    ``open_only`` is off) any change once it is closed."""
    actor.require_write(
        case.account.team_id, gettext("You may look at this case but not change it.")
    )
    if open_only and case.is_closed:
        raise ValidationError(gettext("This case is closed and can no longer be changed."))


def case_log(
    actor: Actor,
    case: RecoveryCase,
    action: str,
    summary: Said,
    *,
    before: dict | None = None,
    after: dict | None = None,
) -> None:
    """An event on the case's account timeline; every case service writes one."""
    event_record(
        actor=actor,
        action=action,
        subject=case,
        account_id=case.account_id,
        summary=summary,
        before=before or {},
        after=after or {},
    )


def case_lock(case: RecoveryCase) -> RecoveryCase:
    # Re-read under the transaction so two people can't both close or pause a case.
    return (
        RecoveryCase.objects.select_for_update()
        .select_related("account", "playbook")
        .get(pk=case.pk)
    )


def accounts_lifecycle_move(actor: Actor, accounts: list[Account], to: str, now: datetime) -> None:
    """Move accounts to a lifecycle state, each move on its account's timeline."""
    moving = [a for a in accounts if a.lifecycle != to]
    if not moving:
        return
    Account.objects.filter(pk__in=[a.pk for a in moving]).update(lifecycle=to, updated_at=now)
    fields = field_names(Account, ["lifecycle"])
    Event.objects.bulk_create(
        event_build(
            actor=actor,
            action="account.updated",
            subject=account,
            account_id=account.pk,
            summary=said(
                gettext_noop("Account %(name)s updated: %(fields)s"),
                name=account.name,
                fields=fields,
            ),
            before={"lifecycle": account.lifecycle},
            after={"lifecycle": to},
            at=now,
        )
        for account in moving
    )
    for account in moving:
        account.lifecycle = to


# -- steps -----------------------------------------------------------------------


@transaction.atomic
def step_complete(*, actor: Actor, step: CaseStep, now: datetime | None = None) -> CaseStep:
    case = case_lock(step.case)
    case_require_write(actor, case)
    step = CaseStep.objects.select_for_update().get(pk=step.pk)
    if step.done_at is not None:
        raise ValidationError(gettext("This step is already finished."))
    missing = step_missing(case, step)
    if missing:
        labels = ", ".join(str(Requirement(m).label) for m in missing)
        raise ValidationError(
            {"step": gettext("Record %(labels)s before completing this step.") % {"labels": labels}}
        )
    step.done_at = now or timezone.now()
    step.done_by = actor.user
    step.save(update_fields=["done_at", "done_by"])
    case_log(
        actor,
        case,
        "case.step_done",
        said(gettext_noop("Step done: %(title)s"), title=step.title),
        after={"step": step.key},
    )
    return step


@transaction.atomic
def step_skip(
    *, actor: Actor, step: CaseStep, reason: str, now: datetime | None = None
) -> CaseStep:
    case = case_lock(step.case)
    case_require_write(actor, case)
    step = CaseStep.objects.select_for_update().get(pk=step.pk)
    if step.done_at is not None:
        raise ValidationError(gettext("This step is already finished."))
    if not reason.strip():
        raise ValidationError({"reason": gettext("Say why this step is skipped.")})
    step.done_at = now or timezone.now()
    step.done_by = actor.user
    step.skipped_reason = reason.strip()[:300]
    step.save(update_fields=["done_at", "done_by", "skipped_reason"])
    case_log(
        actor,
        case,
        "case.step_skipped",
        said(
            gettext_noop("Step skipped: %(title)s (%(reason)s)"),
            title=step.title,
            reason=step.skipped_reason,
        ),
    )
    return step


# -- the clock -------------------------------------------------------------------


@transaction.atomic
def case_pause(
    *, actor: Actor, case: RecoveryCase, reason: str, now: datetime | None = None
) -> RecoveryCase:
    case = case_lock(case)
    case_require_write(actor, case)
    if case.is_paused:
        raise ValidationError(gettext("The clock is already paused."))
    if not reason.strip():
        raise ValidationError(
            {"reason": gettext("Say what you are waiting for from the customer.")}
        )
    now = now or timezone.now()
    case.paused_at, case.pause_reason = now, reason.strip()[:300]
    case.save(update_fields=["paused_at", "pause_reason"])
    CasePause.objects.create(case=case, started_at=now, reason=case.pause_reason)
    case_log(
        actor,
        case,
        "case.paused",
        said(gettext_noop("Clock paused: %(reason)s"), reason=case.pause_reason),
    )
    return case


@transaction.atomic
def case_resume(*, actor: Actor, case: RecoveryCase, now: datetime | None = None) -> RecoveryCase:
    case = case_lock(case)
    case_require_write(actor, case)
    if case.paused_at is None:
        raise ValidationError(gettext("The clock is not paused."))
    now = now or timezone.now()
    waited = max(now - case.paused_at, timedelta(0))
    # Every unfinished deadline moves by the time spent waiting on the customer.
    for step in case.steps.filter(done_at__isnull=True):
        step.due_at += waited
        step.save(update_fields=["due_at"])
    CasePause.objects.filter(case=case, ended_at__isnull=True).update(ended_at=now)
    case.paused_at, case.pause_reason = None, ""
    case.save(update_fields=["paused_at", "pause_reason"])
    hours = round(waited.total_seconds() / 3600, 1)
    case_log(
        actor,
        case,
        "case.resumed",
        said(gettext_noop("Clock resumed after %(hours)s h"), hours=hours),
    )
    return case


# -- records and commitments -------------------------------------------------------


@transaction.atomic
def record_add(
    *,
    actor: Actor,
    case: RecoveryCase,
    kind: str,
    data: dict[str, Any],
    by: User | None = None,
    at: datetime | None = None,
) -> CaseRecord:
    case = case_lock(case)
    case_require_write(actor, case)
    clean = record_data_clean(kind, data)
    person = by or actor.user
    if kind == RecordKind.APOLOGY and person is None:
        # "I am sorry", said by someone: never "the company regrets".
        raise ValidationError(
            {"by": gettext("An apology is made by a person: say who apologised.")}
        )
    record = CaseRecord.objects.create(
        case=case, kind=kind, at=at or timezone.now(), by=person, data=clean
    )
    case_log(
        actor,
        case,
        f"case.record.{kind}",
        said(gettext_noop("%(kind)s recorded"), kind=RecordKind(kind).label),
        after={"by": person.get_username() if person else None, **clean},
    )
    # A record of something done before the case was opened completes its step at
    # the opening, not before it (a step cannot be done before it existed).
    when = max(record.at, case.opened_at)
    if kind == RecordKind.FOLLOW_UP and not clean.get("released"):
        follow_up_cadence(case, after=when)
    needs = {kind, Requirement.FOLLOW_UP_RELEASE} if kind == RecordKind.FOLLOW_UP else {kind}
    steps_settle(actor, case, needs=needs, now=when)
    return record


def follow_up_cadence(case: RecoveryCase, *, after: datetime) -> None:
    """Stay attentive until released: a follow-up in which the customer does not yet
    release the account sets the next one due, the step's cadence later. The step's
    deadline is that next follow-up, so My work, the digest and escalation see it as
    they see any step."""
    for step in (
        CaseStep.objects.select_for_update()
        .filter(case=case, done_at__isnull=True, step__follow_up_days__isnull=False)
        .select_related("step")
    ):
        days = step.step.follow_up_days if step.step else None
        if days and Requirement.FOLLOW_UP_RELEASE in step.requires:
            step.due_at = after + timedelta(days=days)
            step.save(update_fields=["due_at"])


def steps_settle(actor: Actor, case: RecoveryCase, *, needs: set[str], now: datetime) -> None:
    """Record once: an open step completes itself as soon as what was just recorded or
    promised meets the last of its requirements, so nobody enters a record and then
    ticks its step. A step that asks for nothing on record is still marked done by a
    person, and a record made outside a step's need completes nothing."""
    open_steps = [
        step
        for step in CaseStep.objects.select_for_update().filter(case=case, done_at__isnull=True)
        if step.requires and needs.intersection(step.requires)
    ]
    if not open_steps:
        return
    records = list(case.records.only("kind", "data"))
    commitments = list(case.commitments.only("status"))
    for step in open_steps:
        if step_missing(case, step, records=records, commitments=commitments):
            continue
        step.done_at = now
        step.done_by = actor.user
        step.save(update_fields=["done_at", "done_by"])
        case_log(
            actor,
            case,
            "case.step_done",
            said(gettext_noop("Step done: %(title)s (its record is in)"), title=step.title),
            after={"step": step.key, "by_record": True},
        )


@transaction.atomic
def commitment_add(
    *,
    actor: Actor,
    case: RecoveryCase,
    what: str,
    measure: str,
    owner: User,
    due_at: datetime,
    free_of_charge: bool = False,
    now: datetime | None = None,
) -> Commitment:
    case = case_lock(case)
    case_require_write(actor, case)
    errors = {}
    if not what.strip():
        errors["what"] = gettext("Say what you promise.")
    if not measure.strip():
        errors["measure"] = gettext("Say how you will both know it is done.")
    if due_at is None:
        errors["due_at"] = gettext("A promise needs a date.")
    elif due_at < (now or timezone.now()):
        # A promise made already late is broken the moment it is made.
        errors["due_at"] = gettext("A promise's date must be in the future.")
    if (case.account_id, owner.pk) in protected_pairs(account_ids=[case.account_id]):
        errors["owner"] = PROTECTED_MESSAGE.format(name=owner.get_username())
    if errors:
        raise ValidationError(errors)
    commitment = Commitment.objects.create(
        case=case,
        what=what.strip(),
        measure=measure.strip(),
        owner=owner,
        due_at=due_at,
        free_of_charge=free_of_charge,
    )
    case_log(
        actor,
        case,
        "case.commitment_made",
        said(
            gettext_noop("Commitment: %(what)s by %(due)s"),
            what=commitment.what,
            due=f"{due_at:%Y-%m-%d %H:%M}",
        ),
        after={"what": commitment.what, "due_at": due_at.isoformat(), "owner": owner.username},
    )
    steps_settle(actor, case, needs={Requirement.COMMITMENT}, now=now or timezone.now())
    return commitment


def _open_commitment(commitment: Commitment) -> tuple[RecoveryCase, Commitment]:
    case = case_lock(commitment.case)
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if commitment.status != CommitmentStatus.OPEN:
        raise ValidationError(
            gettext("This commitment is already %(value)s.")
            % {"value": commitment.get_status_display()}
        )
    return case, commitment


@transaction.atomic
def commitment_keep(
    *, actor: Actor, commitment: Commitment, now: datetime | None = None
) -> Commitment:
    case, commitment = _open_commitment(commitment)
    case_require_write(actor, case)
    now = now or timezone.now()
    commitment.status = (
        CommitmentStatus.KEPT if now <= commitment.due_at else CommitmentStatus.KEPT_LATE
    )
    commitment.resolved_at = now
    commitment.save(update_fields=["status", "resolved_at"])
    case_log(
        actor,
        case,
        "case.commitment_kept",
        said(
            gettext_noop("Commitment kept: %(what)s")
            if commitment.status == "kept"
            else gettext_noop("Commitment kept late: %(what)s"),
            what=commitment.what,
        ),
        before={"status": "open"},
        after={"status": commitment.status},
    )
    steps_settle(actor, case, needs={Requirement.COMMITMENTS_RESOLVED}, now=now)
    return commitment


@transaction.atomic
def commitment_break(
    *, actor: Actor, commitment: Commitment, reason: str, now: datetime | None = None
) -> Commitment:
    case, commitment = _open_commitment(commitment)
    case_require_write(actor, case)
    if not reason.strip():
        raise ValidationError({"reason": gettext("Say why the promise was broken.")})
    commitment.status, commitment.reason = CommitmentStatus.BROKEN, reason.strip()[:300]
    commitment.resolved_at = now or timezone.now()
    commitment.save(update_fields=["status", "reason", "resolved_at"])
    case_log(
        actor,
        case,
        "case.commitment_broken",
        said(
            gettext_noop("Commitment broken: %(what)s (%(reason)s)"),
            what=commitment.what,
            reason=commitment.reason,
        ),
        before={"status": "open"},
        after={"status": "broken"},
    )
    steps_settle(actor, case, needs={Requirement.COMMITMENTS_RESOLVED}, now=commitment.resolved_at)
    return commitment


@transaction.atomic
def commitment_renegotiate(
    *,
    actor: Actor,
    commitment: Commitment,
    reason: str,
    due_at: datetime,
    what: str = "",
    measure: str = "",
    now: datetime | None = None,
) -> Commitment:
    """Agree a new promise with the customer in place of one that can't be kept as made."""
    case, old = _open_commitment(commitment)
    case_require_write(actor, case)
    if not reason.strip():
        raise ValidationError({"reason": gettext("Say why the promise is renegotiated.")})
    if due_at < (now or timezone.now()):
        raise ValidationError({"due_at": gettext("A promise's date must be in the future.")})
    old.status, old.reason = CommitmentStatus.RENEGOTIATED, reason.strip()[:300]
    old.resolved_at = now or timezone.now()
    old.save(update_fields=["status", "reason", "resolved_at"])
    new = Commitment.objects.create(
        case=case,
        what=(what or old.what).strip(),
        measure=(measure or old.measure).strip(),
        owner=old.owner,
        due_at=due_at,
        free_of_charge=old.free_of_charge,
        replaces=old,
    )
    case_log(
        actor,
        case,
        "case.commitment_renegotiated",
        said(
            gettext_noop("Commitment renegotiated: %(what)s, now due %(due)s (%(reason)s)"),
            what=new.what,
            due=f"{due_at:%Y-%m-%d %H:%M}",
            reason=old.reason,
        ),
        before={"due_at": old.due_at.isoformat()},
        after={"due_at": due_at.isoformat()},
    )
    return new


# -- closing ---------------------------------------------------------------------

# Telling the customer first and apologising: closing as recovered without them asks
# for an explicit confirmation (METHOD.md, playbook 1).
ESSENTIAL_STEPS = ["first_contact", "apology"]


@transaction.atomic
def case_close(
    *,
    actor: Actor,
    case: RecoveryCase,
    outcome: str,
    note: str = "",
    confirm_skipped: bool = False,
    now: datetime | None = None,
) -> RecoveryCase:
    """Close the case with its outcome. Calling it recovered (or an advocate) when
    the customer was never told first or never apologised to needs ``confirm_skipped``:
    the method says those two are what recovery is made of; the confirmation is kept."""
    case = case_lock(case)
    case_require_write(actor, case)
    if outcome not in Outcome.values:
        raise ValidationError(
            {"outcome": gettext("must be one of %(value)s") % {"value": ", ".join(Outcome.values)}}
        )
    skipped = list(
        case.steps.filter(key__in=ESSENTIAL_STEPS, done_at__isnull=False)
        .exclude(skipped_reason="")
        .values_list("title", flat=True)
    )
    if skipped and outcome in (Outcome.RECOVERED, Outcome.ADVOCATE) and not confirm_skipped:
        raise ValidationError(
            {
                "confirm_skipped": gettext(
                    "These steps were skipped: %(steps)s. "
                    "Confirm that the customer is recovered all the same."
                )
                % {"steps": ", ".join(shipped(title) for title in skipped)}
            }
        )
    unfinished = list(case.steps.filter(done_at__isnull=True).values_list("title", flat=True))
    if unfinished:
        raise ValidationError(
            {
                "outcome": gettext("Finish or skip every step before closing: %(steps)s")
                % {"steps": ", ".join(shipped(title) for title in unfinished)}
            }
        )
    if case.commitments.filter(status=CommitmentStatus.OPEN).exists():
        raise ValidationError({"outcome": gettext("Resolve every open commitment before closing.")})
    now = now or timezone.now()
    if case.is_paused:
        CasePause.objects.filter(case=case, ended_at__isnull=True).update(ended_at=now)
        case.paused_at, case.pause_reason = None, ""
    case.closed_at, case.outcome, case.closing_note = now, outcome, note.strip()
    case.save(update_fields=["closed_at", "outcome", "closing_note", "paused_at", "pause_reason"])
    lifecycle = {
        Outcome.RECOVERED: Lifecycle.ACTIVE,
        Outcome.ADVOCATE: Lifecycle.ACTIVE,
        Outcome.PARTED: Lifecycle.CHURNED,
        Outcome.LOST: Lifecycle.CHURNED,
    }[Outcome(outcome)]
    if not case.account.cases.filter(closed_at__isnull=True).exists():
        accounts_lifecycle_move(actor, [case.account], lifecycle, now)
    after: dict[str, object] = {"outcome": outcome}
    if skipped and outcome in (Outcome.RECOVERED, Outcome.ADVOCATE):
        after["confirmed_despite_skipped"] = skipped
    case_log(
        actor,
        case,
        "case.closed",
        said(
            gettext_noop("Case closed: %(outcome)s (confirmed with skipped: %(skipped)s)"),
            outcome=Outcome(outcome).label,
            skipped=", ".join(skipped),
        )
        if skipped and confirm_skipped
        else said(gettext_noop("Case closed: %(outcome)s"), outcome=Outcome(outcome).label),
        after=after,
    )
    return case
