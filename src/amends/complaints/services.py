"""Writes to complaints. Every service takes an Actor, runs in one transaction,
and records on the timeline: the account's, once the complaint has one."""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from amends.accounts.models import Account
from amends.complaints.models import AbuseReport, Channel, Complaint, FeedbackPage, Flag
from amends.complaints.selectors import (
    ABUSE_REPORTS_FOR_PARTING,
    ABUSE_WINDOW,
    account_ids_for_email,
    acknowledge_deadline,
    acknowledge_hours,
)
from amends.core.bulk import rows_insert
from amends.incidents.models import Severity
from amends.people.access import WRITE, user_can, user_manages_team
from amends.people.models import Team, User
from amends.people.selectors import team_members
from amends.recovery.models import Playbook, PlaybookKind, RecoveryCase
from amends.recovery.services import case_open
from amends.signals.models import Signal, SignalKind, SignalSource
from amends.timeline.models import Event, Via
from amends.timeline.services import Actor, event_record

TEXT_MAX = 5000
NAME_MAX = 200
INTRO_MAX = 2000
# Rows per INSERT and per lookup: well under SQLite's limit on bound variables.
CHUNK = 2000


@dataclass(frozen=True)
class Customer(Actor):
    """The customer themselves, writing on the public page: no user, a name."""

    who: str = "customer"
    via: str = Via.WEB

    @property
    def name(self) -> str:
        return self.who[:150]


def _excerpt(text: str, length: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= length else line[: length - 1] + "…"


def _log(actor: Actor, complaint: Complaint, action: str, summary: str, **values) -> Event:
    return event_record(
        actor=actor,
        action=action,
        subject=complaint,
        account_id=complaint.account_id,
        summary=summary,
        before=values.get("before", {}),
        after=values.get("after", {}),
        at=values.get("at"),
    )


def _lock(complaint: Complaint) -> Complaint:
    # Re-read under the transaction so two people can't both resolve or flag it.
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("account", "case")
        .get(pk=complaint.pk)
    )


def _require_write(actor: Actor, complaint: Complaint) -> None:
    if actor.user is not None and not user_can(actor.user, WRITE, complaint.team_id):
        raise PermissionDenied("You may look at this complaint but not change it.")


# -- arriving --------------------------------------------------------------------


@transaction.atomic
def complaint_receive(
    *,
    team: Team,
    channel: str,
    text: str,
    customer_name: str = "",
    customer_email: str = "",
    customer_company: str = "",
    via: str = Via.WEB,
    now: datetime | None = None,
) -> Complaint:
    """A complaint in the customer's own words, kept as given. It is linked to
    the account whose contact has the sender's email, when exactly one does."""
    errors = {}
    if not text.strip():
        errors["text"] = "Tell us what happened."
    elif len(text) > TEXT_MAX:
        errors["text"] = f"Please keep it under {TEXT_MAX} characters."
    if len(customer_name) > NAME_MAX:
        errors["name"] = f"At most {NAME_MAX} characters."
    if len(customer_company) > NAME_MAX:
        errors["company"] = f"At most {NAME_MAX} characters."
    if customer_email:
        try:
            validate_email(customer_email)
        except ValidationError:
            errors["email"] = "Enter a valid email address."
    if channel not in Channel.values:
        errors["channel"] = f"must be one of {', '.join(Channel.values)}"
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    matches = account_ids_for_email(team_id=team.pk, email=customer_email)
    complaint = Complaint.objects.create(
        team=team,
        # Two accounts share the address: a person must choose.
        account_id=matches[0] if len(matches) == 1 else None,
        channel=channel,
        received_at=now,
        acknowledge_by=acknowledge_deadline(now),
        customer_name=customer_name.strip(),
        customer_email=customer_email.strip(),
        customer_company=customer_company.strip(),
        text=text,
    )
    sender = customer_name.strip() or customer_email.strip() or "customer"
    _log(
        Customer(who=sender, via=via),
        complaint,
        "complaint.received",
        f"Complaint received ({Channel(channel).label}): {_excerpt(text)}",
        after={"channel": channel, "from": sender},
        at=now,
    )
    return complaint


def _channel_for(source: str, webhook_slugs: set[str]) -> str:
    lowered = source.lower()
    if lowered in webhook_slugs or lowered.startswith("webhook"):
        return Channel.WEBHOOK
    if lowered.startswith(("import", "csv")):
        return Channel.IMPORT
    return Channel.API


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _with_pks(signals: list[Signal]) -> list[Signal]:
    """Signals inserted with ignore_conflicts come back without ids: find them."""
    missing = [s for s in signals if s.pk is None]
    if not missing:
        return signals
    by_source: dict[str, list[Signal]] = {}
    for signal in missing:
        by_source.setdefault(signal.source, []).append(signal)
    for source, group in by_source.items():
        for chunk in _chunks(group):
            ids = dict(
                Signal.objects.filter(
                    source=source, external_id__in=[s.external_id for s in chunk]
                ).values_list("external_id", "pk")
            )
            for signal in chunk:
                signal.pk = ids.get(signal.external_id)
    return [s for s in signals if s.pk is not None]


def complaints_from_signals(signals: Iterable[Signal]) -> list[int]:
    """Each newly recorded complaint signal becomes a complaint in the inbox.

    Runs inside the ingesting transaction, for 100,000 rows as for one: a few
    lookups per 2,000 signals and bulk inserts, never a query per signal."""
    wanted = _with_pks([s for s in signals if s.kind == SignalKind.COMPLAINT])
    if not wanted:
        return []
    account_ids = sorted({s.account_id for s in wanted})
    teams: dict[int, int] = {}
    for chunk in _chunks(account_ids):
        teams.update(Account.objects.filter(pk__in=chunk).values_list("pk", "team_id"))
    webhook_slugs = {slug.lower() for slug in SignalSource.objects.values_list("slug", flat=True)}
    delay = timedelta(hours=acknowledge_hours())
    rows = [
        {
            "team_id": teams[signal.account_id],
            "account_id": signal.account_id,
            "signal_id": signal.pk,
            "channel": _channel_for(signal.source, webhook_slugs),
            "received_at": signal.at,
            "acknowledge_by": signal.at + delay,
            "text": signal.text,
        }
        for signal in wanted
        if signal.account_id in teams
    ]
    # Plain rows rather than model instances: one import may bring 100,000 of them.
    rows_insert(Complaint, rows)
    ids: dict[int, int] = {}
    for chunk in _chunks([row["signal_id"] for row in rows]):
        ids.update(Complaint.objects.filter(signal_id__in=chunk).values_list("signal_id", "pk"))
    labels = {value: str(label) for value, label in Channel.choices}
    subject_type = Complaint._meta.label_lower
    rows_insert(
        Event,
        (
            {
                "account_id": row["account_id"],
                "at": row["received_at"],
                "actor_name": Actor.system().name,
                "via": Via.SYSTEM,
                "action": "complaint.received",
                "subject_type": subject_type,
                "subject_id": ids[row["signal_id"]],
                "summary": (
                    f"Complaint received ({labels[row['channel']]}): {_excerpt(row['text'])}"
                )[:300],
                "after": {"channel": row["channel"]},
            }
            for row in rows
        ),
    )
    return [ids[row["signal_id"]] for row in rows]


# -- handling --------------------------------------------------------------------


@transaction.atomic
def complaint_acknowledge(
    *, actor: Actor, complaint: Complaint, now: datetime | None = None
) -> Complaint:
    complaint = _lock(complaint)
    _require_write(actor, complaint)
    if complaint.acknowledged_at is not None:
        raise ValidationError("This complaint is already acknowledged.")
    now = now or timezone.now()
    complaint.acknowledged_at = now
    complaint.save(update_fields=["acknowledged_at"])
    late = complaint.was_acknowledged_late
    _log(
        actor,
        complaint,
        "complaint.acknowledged",
        "Complaint acknowledged" + (" late" if late else ""),
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
        raise ValidationError({"answer": "Write the answer."})
    if len(answer) > TEXT_MAX:
        raise ValidationError({"answer": f"Keep the answer under {TEXT_MAX} characters."})
    now = now or timezone.now()
    before = complaint.answer
    complaint.answer, complaint.answered_at, complaint.answered_by = answer, now, actor.user
    fields = ["answer", "answered_at", "answered_by", *_acknowledge_with(complaint, now)]
    complaint.save(update_fields=fields)
    _log(
        actor,
        complaint,
        "complaint.answered",
        f"Complaint answered: {_excerpt(answer)}",
        before={"answer": _excerpt(before, 300)} if before else {},
        after={"answer": _excerpt(answer, 300)},
    )
    return complaint


@transaction.atomic
def complaint_account_link(*, actor: Actor, complaint: Complaint, account: Account) -> Complaint:
    complaint = _lock(complaint)
    _require_write(actor, complaint)
    if account.team_id != complaint.team_id:
        raise ValidationError({"account": "Choose one of this team's accounts."})
    if complaint.account_id == account.pk:
        raise ValidationError({"account": "The complaint is already linked to this account."})
    if complaint.case_id or complaint.abuse_reports.exists():
        raise ValidationError(
            {"account": "This complaint has a case or an abuse report on its account; it stays."}
        )
    before = str(complaint.account) if complaint.account_id else None
    complaint.account = account
    complaint.save(update_fields=["account"])
    _log(
        actor,
        complaint,
        "complaint.account_linked",
        f"Complaint linked to {account.name}: {_excerpt(complaint.text)}",
        before={"account": before},
        after={"account": account.name},
    )
    return complaint


def _require_account(complaint: Complaint) -> None:
    if complaint.account_id is None:
        raise ValidationError({"account": "Link the complaint to an account first."})


@transaction.atomic
def complaint_case_link(*, actor: Actor, complaint: Complaint, case: RecoveryCase) -> Complaint:
    complaint = _lock(complaint)
    _require_write(actor, complaint)
    _require_account(complaint)
    if case.account_id != complaint.account_id:
        raise ValidationError({"case": "Choose a case of the complaint's account."})
    if case.is_closed:
        raise ValidationError({"case": "That case is closed."})
    if complaint.case_id == case.pk:
        raise ValidationError({"case": "The complaint is already part of this case."})
    complaint.case = case
    complaint.save(update_fields=["case"])
    _log(
        actor,
        complaint,
        "complaint.case_linked",
        f"Complaint added to the case {case.playbook.name}",
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
    _require_account(complaint)
    if complaint.case_id:
        raise ValidationError({"case": "This complaint is already part of a case."})
    playbook = Playbook.objects.filter(kind=PlaybookKind.COMPLAINT).first()
    if playbook is None:
        raise ValidationError({"case": "The complaint playbook is missing: run `amends migrate`."})
    case = case_open(
        actor=actor,
        account=complaint.account,
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
        f"Complaint turned into a case: {playbook.name}",
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
        raise ValidationError("This complaint is already resolved.")
    now = now or timezone.now()
    complaint.resolved_at = now
    complaint.save(update_fields=["resolved_at", *_acknowledge_with(complaint, now)])
    _log(actor, complaint, "complaint.resolved", f"Complaint resolved: {_excerpt(complaint.text)}")
    return complaint


@transaction.atomic
def complaint_satisfaction_record(
    *, actor: Actor, complaint: Complaint, score: int, now: datetime | None = None
) -> Complaint:
    """The one question after the fix: how satisfied are you now, 1 to 5?"""
    complaint = _lock(complaint)
    _require_write(actor, complaint)
    if complaint.resolved_at is None:
        raise ValidationError({"satisfaction": "Ask once the complaint is resolved."})
    if complaint.satisfaction is not None:
        raise ValidationError({"satisfaction": "Their answer is already recorded."})
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"satisfaction": "Give a score from 1 to 5."})
    complaint.satisfaction, complaint.satisfaction_at = score, now or timezone.now()
    complaint.save(update_fields=["satisfaction", "satisfaction_at"])
    _log(
        actor,
        complaint,
        "complaint.satisfaction",
        f"Satisfied after the complaint: {score} of 5",
        after={"satisfaction": score},
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
        raise ValidationError({"flag": "must be venting, abusive or empty"})
    if flag == complaint.flag:
        raise ValidationError({"flag": "The complaint is already flagged so."})
    now = now or timezone.now()
    summary = f"Complaint flagged: {Flag(flag).label}" if flag else "Complaint flag removed"
    after: dict = {"flag": flag}
    if flag == Flag.ABUSIVE:
        _abuse_check(complaint, staff, description)
        AbuseReport.objects.create(
            account_id=complaint.account_id,
            complaint=complaint,
            staff=staff,
            description=description.strip(),
            at=now,
            reported_by=actor.user,
        )
        after["staff"] = staff.get_username()
        summary += f", towards {staff.get_username()}"
        recent = AbuseReport.objects.filter(
            account_id=complaint.account_id, at__gte=now - ABUSE_WINDOW
        ).count()
        if recent >= ABUSE_REPORTS_FOR_PARTING:
            summary += f" — {recent} abuse reports in 180 days: consider parting"
    if complaint.flag == Flag.ABUSIVE:
        # Flagged abusive by mistake: its report must not count towards parting.
        withdrawn, _ = complaint.abuse_reports.all().delete()
        if withdrawn:
            summary += "; its abuse report withdrawn"
    before = {"flag": complaint.flag}
    complaint.flag = flag
    complaint.save(update_fields=["flag"])
    _log(actor, complaint, "complaint.flagged", summary, before=before, after=after)
    return complaint


def _abuse_check(complaint: Complaint, staff: User | None, description: str) -> None:
    errors = {}
    if complaint.account_id is None:
        errors["flag"] = (
            "Link the complaint to an account first: abuse is logged against the account."
        )
    if staff is None:
        errors["staff"] = "Say who on the staff was abused."
    elif not team_members(team_id=complaint.team_id).filter(pk=staff.pk).exists():
        errors["staff"] = "Choose someone on this team."
    if not description.strip():
        errors["description"] = "Say what happened."
    if errors:
        raise ValidationError(errors)


# -- the public feedback page ----------------------------------------------------


def _require_manager(actor: Actor, team_id: int) -> None:
    if actor.user is not None and not user_manages_team(actor.user, team_id):
        raise PermissionDenied("Only the team's managers hand out its feedback page.")


def _new_key() -> str:
    key = secrets.token_urlsafe(16)
    while FeedbackPage.objects.filter(public_key=key).exists():
        key = secrets.token_urlsafe(16)  # pragma: no cover - 128 random bits
    return key


def _log_page(actor: Actor, page: FeedbackPage, action: str, summary: str) -> None:
    event_record(actor=actor, action=action, subject=page, account_id=None, summary=summary)


@transaction.atomic
def feedback_page_enable(*, actor: Actor, team: Team, intro: str | None = None) -> FeedbackPage:
    """Give the team a public feedback page, or open its closed one again."""
    _require_manager(actor, team.pk)
    if intro is not None and len(intro) > INTRO_MAX:
        raise ValidationError({"intro": f"Keep the introduction under {INTRO_MAX} characters."})
    page = FeedbackPage.objects.select_for_update().filter(team=team).first()
    if page is None:
        page = FeedbackPage.objects.create(
            team=team, public_key=_new_key(), intro=(intro or "").strip()
        )
        _log_page(actor, page, "feedback_page.created", f"Public feedback page made for {team}")
        return page
    page.active = True
    if intro is not None:
        page.intro = intro.strip()
    page.save(update_fields=["active", "intro"])
    _log_page(actor, page, "feedback_page.opened", f"Public feedback page of {team} open")
    return page


@transaction.atomic
def feedback_page_rotate(*, actor: Actor, page: FeedbackPage) -> FeedbackPage:
    """A new link; the old one stops working (it leaked, or attracts spam)."""
    page = (
        FeedbackPage.objects.select_for_update(of=("self",)).select_related("team").get(pk=page.pk)
    )
    _require_manager(actor, page.team_id)
    page.public_key = _new_key()
    page.save(update_fields=["public_key"])
    _log_page(actor, page, "feedback_page.rotated", f"New link for {page.team}'s feedback page")
    return page


@transaction.atomic
def feedback_page_disable(*, actor: Actor, page: FeedbackPage) -> FeedbackPage:
    page = (
        FeedbackPage.objects.select_for_update(of=("self",)).select_related("team").get(pk=page.pk)
    )
    _require_manager(actor, page.team_id)
    if not page.active:
        raise ValidationError("The feedback page is already closed.")
    page.active = False
    page.save(update_fields=["active"])
    _log_page(actor, page, "feedback_page.closed", f"Public feedback page of {page.team} closed")
    return page


def demo_feedback_pages() -> int:
    """A public feedback page for every team that has none; returns how many were made."""
    made = 0
    for team in Team.objects.filter(feedback_page__isnull=True):
        feedback_page_enable(actor=Actor.system(), team=team)
        made += 1
    return made
