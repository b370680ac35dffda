"""Writes to complaints once they are in the inbox: acknowledged, answered, linked to an
account or a case, resolved, asked about satisfaction, flagged. Every service takes an
Actor, runs in one transaction, and records on the timeline: the account's, once the
complaint has one. Complaints arrive through ``intake.py``; the team's public feedback
page is written in ``feedback_page.py``."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from amends.accounts.models import Account
from amends.complaints.models import AbuseReport, Complaint, ConversationKind, Flag
from amends.complaints.selectors import ABUSE_REPORTS_FOR_PARTING, ABUSE_WINDOW
from amends.incidents.models import Severity
from amends.people.access import WRITE, user_can
from amends.people.models import User
from amends.people.selectors import team_members
from amends.recovery.models import Playbook, PlaybookKind, RecoveryCase
from amends.recovery.opening import case_open
from amends.timeline.models import Event, NotificationKind
from amends.timeline.services import Actor, Said, event_record, notification_send, said

TEXT_MAX = 5000


def _excerpt(text: str, length: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= length else line[: length - 1] + "…"


def _log(
    actor: Actor,
    complaint: Complaint,
    action: str,
    summary: Said,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    return event_record(
        actor=actor,
        action=action,
        subject=complaint,
        account_id=complaint.account_id,
        summary=summary,
        before=before if before is not None else {},
        after=after if after is not None else {},
        at=at,
    )


def _lock(complaint: Complaint) -> Complaint:
    # Re-read under the transaction so two people can't both resolve or flag it.
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("account", "case")
        .get(pk=complaint.pk)
    )


def _require_write(actor: Actor, complaint: Complaint) -> None:
    actor.require_write(
        complaint.team_id, gettext("You may look at this complaint but not change it.")
    )


# -- handling --------------------------------------------------------------------


@transaction.atomic
def complaint_acknowledge(
    *, actor: Actor, complaint: Complaint, now: datetime | None = None
) -> Complaint:
    complaint = _lock(complaint)
    _require_write(actor, complaint)
    if complaint.acknowledged_at is not None:
        raise ValidationError(gettext("This complaint is already acknowledged."))
    now = now or timezone.now()
    complaint.acknowledged_at = now
    complaint.save(update_fields=["acknowledged_at"])
    late = complaint.was_acknowledged_late
    _log(
        actor,
        complaint,
        "complaint.acknowledged",
        said(gettext_noop("Complaint acknowledged late"))
        if late
        else said(gettext_noop("Complaint acknowledged")),
        after={"acknowledged_at": now.isoformat(), "late": late},
    )
    return complaint


def _acknowledge_with(complaint: Complaint, now: datetime) -> list[str]:
    """An answer or a resolution tells the customer we heard them."""
    if complaint.acknowledged_at is None:
        complaint.acknowledged_at = now
        return ["acknowledged_at"]
    return []


@transaction.atomic
def complaint_answer(
    *, actor: Actor, complaint: Complaint, answer: str, now: datetime | None = None
) -> Complaint:
    complaint = _lock(complaint)
    _require_write(actor, complaint)
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": gettext("Write the answer.")})
    if len(answer) > TEXT_MAX:
        raise ValidationError(
            {
                "answer": gettext("Keep the answer under %(text_max)s characters.")
                % {"text_max": TEXT_MAX}
            }
        )
    now = now or timezone.now()
    before = complaint.answer
    complaint.answer, complaint.answered_at, complaint.answered_by = answer, now, actor.user
    fields = ["answer", "answered_at", "answered_by", *_acknowledge_with(complaint, now)]
    complaint.save(update_fields=fields)
    _log(
        actor,
        complaint,
        "complaint.answered",
        said(gettext_noop("Complaint answered: %(answer)s"), answer=_excerpt(answer)),
        before={"answer": _excerpt(before, 300)} if before else {},
        after={"answer": _excerpt(answer, 300)},
    )
    return complaint


@transaction.atomic
def complaint_account_link(*, actor: Actor, complaint: Complaint, account: Account) -> Complaint:
    complaint = _lock(complaint)
    _require_write(actor, complaint)
    if account.team_id != complaint.team_id:
        raise ValidationError({"account": gettext("Choose one of this team's accounts.")})
    if complaint.account_id == account.pk:
        raise ValidationError(
            {"account": gettext("The complaint is already linked to this account.")}
        )
    if complaint.case_id or complaint.abuse_reports.exists():
        raise ValidationError(
            {
                "account": gettext(
                    "This complaint has a case or an abuse report on its account; it stays."
                )
            }
        )
    before = str(complaint.account) if complaint.account_id else None
    complaint.account = account
    complaint.save(update_fields=["account"])
    _log(
        actor,
        complaint,
        "complaint.account_linked",
        said(
            gettext_noop("Complaint linked to %(account)s: %(text)s"),
            account=account.name,
            text=_excerpt(complaint.text),
        ),
        before={"account": before},
        after={"account": account.name},
    )
    return complaint


def _require_account(complaint: Complaint) -> Account:
    account = complaint.account
    if account is None:
        raise ValidationError({"account": gettext("Link the complaint to an account first.")})
    return account


@transaction.atomic
def complaint_case_link(*, actor: Actor, complaint: Complaint, case: RecoveryCase) -> Complaint:
    complaint = _lock(complaint)
    _require_write(actor, complaint)
    _require_account(complaint)
    if case.account_id != complaint.account_id:
        raise ValidationError({"case": gettext("Choose a case of the complaint's account.")})
    if case.is_closed:
        raise ValidationError({"case": gettext("That case is closed.")})
    if complaint.case_id == case.pk:
        raise ValidationError({"case": gettext("The complaint is already part of this case.")})
    complaint.case = case
    complaint.save(update_fields=["case"])
    _log(
        actor,
        complaint,
        "complaint.case_linked",
        said(gettext_noop("Complaint added to the case %(playbook)s"), playbook=case.playbook.name),
        after={"case": case.pk},
    )
    return complaint


@transaction.atomic
def complaint_case_open(
    *,
    actor: Actor,
    complaint: Complaint,
    severity: int = Severity.MODERATE,
    now: datetime | None = None,
) -> RecoveryCase:
    """Turn the complaint into a recovery case on the complaint playbook."""
    complaint = _lock(complaint)
    _require_write(actor, complaint)
    account = _require_account(complaint)
    if complaint.case_id:
        raise ValidationError({"case": gettext("This complaint is already part of a case.")})
    playbook = Playbook.objects.filter(kind=PlaybookKind.COMPLAINT).first()
    if playbook is None:
        raise ValidationError(
            {"case": gettext("The complaint playbook is missing: run `amends migrate`.")}
        )
    case = case_open(
        actor=actor,
        account=account,
        playbook=playbook,
        severity=severity,
        reason=f"Complaint: {_excerpt(complaint.text, 280)}",
        now=now,
    )
    complaint.case = case
    complaint.save(update_fields=["case"])
    _log(
        actor,
        complaint,
        "complaint.case_opened",
        said(gettext_noop("Complaint turned into a case: %(playbook)s"), playbook=playbook.name),
        after={"case": case.pk},
    )
    return case


@transaction.atomic
def complaint_resolve(
    *, actor: Actor, complaint: Complaint, now: datetime | None = None
) -> Complaint:
    complaint = _lock(complaint)
    _require_write(actor, complaint)
    if complaint.resolved_at is not None:
        raise ValidationError(gettext("This complaint is already resolved."))
    now = now or timezone.now()
    complaint.resolved_at = now
    complaint.save(update_fields=["resolved_at", *_acknowledge_with(complaint, now)])
    _log(
        actor,
        complaint,
        "complaint.resolved",
        said(gettext_noop("Complaint resolved: %(text)s"), text=_excerpt(complaint.text)),
    )
    return complaint


@transaction.atomic
def complaint_satisfaction_record(
    *, actor: Actor, complaint: Complaint, score: int, now: datetime | None = None
) -> Complaint:
    """The one question after the fix: how satisfied are you now, 1 to 5?"""
    complaint = _lock(complaint)
    _require_write(actor, complaint)
    if complaint.resolved_at is None:
        raise ValidationError({"satisfaction": gettext("Ask once the complaint is resolved.")})
    if complaint.satisfaction is not None:
        raise ValidationError({"satisfaction": gettext("Their answer is already recorded.")})
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"satisfaction": gettext("Give a score from 1 to 5.")})
    complaint.satisfaction, complaint.satisfaction_at = score, now or timezone.now()
    complaint.save(update_fields=["satisfaction", "satisfaction_at"])
    _log(
        actor,
        complaint,
        "complaint.satisfaction",
        said(gettext_noop("Satisfied after the complaint: %(score)s of 5"), score=score),
        after={"satisfaction": score},
    )
    return complaint


@transaction.atomic
def complaint_assign(*, actor: Actor, complaint: Complaint, assignee: User | None) -> Complaint:
    """Give the conversation to someone of its team who may answer it (None: to
    nobody). Recorded on the timeline; the new assignee is told."""
    complaint = _lock(complaint)
    _require_write(actor, complaint)
    if assignee is not None and not user_can(assignee, WRITE, complaint.team_id):
        raise ValidationError(
            {
                "assignee": gettext("%(value)s cannot answer this team's conversations.")
                % {"value": assignee.get_username()}
            }
        )
    if complaint.assignee_id == (assignee.pk if assignee else None):
        return complaint
    before = complaint.assignee.get_username() if complaint.assignee else ""
    complaint.assignee = assignee
    complaint.save(update_fields=["assignee"])
    name = assignee.get_username() if assignee else ""
    _log(
        actor,
        complaint,
        "complaint.assigned",
        said(gettext_noop("Conversation assigned to %(name)s"), name=name)
        if name
        else said(gettext_noop("Conversation assigned to nobody")),
        before={"assignee": before},
        after={"assignee": name},
    )
    notification_send(
        actor=actor,
        recipient=assignee,
        kind=NotificationKind.ASSIGNED,
        summary=said(
            gettext_noop("%(who)s gave you the conversation “%(what)s”"),
            who=actor.name,
            what=_excerpt(complaint.subject or complaint.text, 60),
        ),
        path=reverse("complaints:complaint", args=[complaint.pk]),
    )
    return complaint


@transaction.atomic
def complaint_classify(*, actor: Actor, complaint: Complaint, kind: str) -> Complaint:
    """Say what the conversation turned out to be: a complaint, feedback, praise or a
    question. Only complaints count in the complaint figures."""
    complaint = _lock(complaint)
    _require_write(actor, complaint)
    if kind not in ConversationKind.values:
        raise ValidationError(
            {
                "kind": gettext("must be one of %(value)s")
                % {"value": ", ".join(ConversationKind.values)}
            }
        )
    if kind == complaint.kind:
        return complaint
    before = complaint.kind
    complaint.kind = kind
    complaint.save(update_fields=["kind"])
    _log(
        actor,
        complaint,
        "complaint.classified",
        said(
            gettext_noop("Conversation classified as %(kind)s"), kind=ConversationKind(kind).label
        ),
        before={"kind": before},
        after={"kind": kind},
    )
    return complaint


@transaction.atomic
def complaint_flag(
    *,
    actor: Actor,
    complaint: Complaint,
    flag: str,
    staff: User | None = None,
    description: str = "",
    now: datetime | None = None,
) -> Complaint:
    """Venting (a bad day: listen and help) or abusive (out to hurt the staff:
    protect them). Abuse is logged against the account with the person it hurt."""
    complaint = _lock(complaint)
    _require_write(actor, complaint)
    if flag not in Flag.values:
        raise ValidationError({"flag": gettext("must be venting, abusive or empty")})
    if flag == complaint.flag:
        raise ValidationError({"flag": gettext("The complaint is already flagged so.")})
    now = now or timezone.now()
    parts = [
        gettext_noop("Complaint flagged: %(flag)s")
        if flag
        else gettext_noop("Complaint flag removed")
    ]
    values: dict[str, Any] = {"flag": Flag(flag).label if flag else ""}
    after: dict = {"flag": flag}
    if flag == Flag.ABUSIVE:
        _abuse_check(complaint, staff, description)
        assert staff is not None and complaint.account_id is not None  # _abuse_check refused
        AbuseReport.objects.create(
            account_id=complaint.account_id,
            complaint=complaint,
            staff=staff,
            description=description.strip(),
            at=now,
            reported_by=actor.user,
        )
        after["staff"] = staff.get_username()
        parts.append(gettext_noop(", towards %(staff)s"))
        values["staff"] = staff.get_username()
        recent = AbuseReport.objects.filter(
            account_id=complaint.account_id, at__gte=now - ABUSE_WINDOW
        ).count()
        if recent >= ABUSE_REPORTS_FOR_PARTING:
            parts.append(gettext_noop(" — %(recent)s abuse reports in 180 days: consider parting"))
            values["recent"] = recent
    if complaint.flag == Flag.ABUSIVE:
        # Flagged abusive by mistake: its report must not count towards parting.
        withdrawn, _ = complaint.abuse_reports.all().delete()
        if withdrawn:
            parts.append(gettext_noop("; its abuse report withdrawn"))
    before = {"flag": complaint.flag}
    complaint.flag = flag
    complaint.save(update_fields=["flag"])
    summary = said(*parts, **values)
    _log(actor, complaint, "complaint.flagged", summary, before=before, after=after)
    return complaint


def _abuse_check(complaint: Complaint, staff: User | None, description: str) -> None:
    errors = {}
    if complaint.account_id is None:
        errors["flag"] = gettext(
            "Link the complaint to an account first: abuse is logged against the account."
        )
    if staff is None:
        errors["staff"] = gettext("Say who on the staff was abused.")
    elif not team_members(team_id=complaint.team_id).filter(pk=staff.pk).exists():
        errors["staff"] = gettext("Choose someone on this team.")
    if not description.strip():
        errors["description"] = gettext("Say what happened.")
    if errors:
        raise ValidationError(errors)


BULK_ACTIONS = ("acknowledge", "resolve", "assign", "vent")


@transaction.atomic
def complaints_bulk(
    *,
    actor: Actor,
    complaints: list[Complaint],
    action: str,
    assignee: User | None = None,
    now: datetime | None = None,
) -> tuple[int, list[tuple[Complaint, str]]]:
    """One action on many conversations from the inbox, in one transaction: each one
    goes through its own service (so each is recorded and told as if done alone).
    One the action does not fit (already acknowledged, resolved, an assignee who is not
    of its team) is left as it was and said why; someone who may not change one of
    them changes none. Returns (how many changed, those left with the reason)."""
    if action not in BULK_ACTIONS:
        raise ValidationError(
            {"action": gettext("must be one of %(value)s") % {"value": ", ".join(BULK_ACTIONS)}}
        )
    for complaint in complaints:
        _require_write(actor, complaint)
    now = now or timezone.now()
    changed, left = 0, []
    for complaint in complaints:
        try:
            with transaction.atomic():
                if action == "acknowledge":
                    complaint_acknowledge(actor=actor, complaint=complaint, now=now)
                elif action == "resolve":
                    complaint_resolve(actor=actor, complaint=complaint, now=now)
                elif action == "assign":
                    complaint_assign(actor=actor, complaint=complaint, assignee=assignee)
                elif _lock(complaint).flag == Flag.NONE:  # as it is now, not as listed
                    complaint_flag(actor=actor, complaint=complaint, flag=Flag.VENTING, now=now)
                else:
                    raise ValidationError(gettext("It is flagged already."))
        except ValidationError as error:
            left.append((complaint, "; ".join(error.messages)))  # each field's reason
        else:
            changed += 1
    return changed, left
