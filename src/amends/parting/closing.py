"""The end of an exit plan: the final conversation, the customer's exit feedback, the close."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from amends.parting.models import ExitKind, ExitPlan
from amends.parting.services import TEXT_MAX, _open_plan, _require_parting, _text
from amends.recovery.models import CaseStep, CommitmentStatus, Outcome, RecordKind, RecoveryCase
from amends.recovery.services import case_close, case_log, record_add, step_complete
from amends.timeline.services import Actor, said


@transaction.atomic
def exit_final_conversation(
    *, actor: Actor, plan: ExitPlan, note: str, at: datetime | None = None
) -> ExitPlan:
    plan = _open_plan(actor, plan)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, "Write down what was said in the final conversation.")
    if errors:
        raise ValidationError(errors)
    plan.final_conversation_at = at or timezone.now()
    plan.final_conversation_note = note
    plan.save(update_fields=["final_conversation_at", "final_conversation_note"])
    record_add(
        actor=actor,
        case=plan.case,
        kind=RecordKind.FOLLOW_UP,
        at=plan.final_conversation_at,
        data={"note": f"Final conversation: {note}"},
    )
    return plan


def _feedback_clean(rating, would_recommend, comment: str) -> tuple[int, bool | None, str]:
    errors: dict[str, str] = {}
    try:
        rating = int(rating)
        if not 1 <= rating <= 5:
            raise ValueError
    except (TypeError, ValueError):
        errors["rating"] = gettext("Give a rating from 1 to 5.")
    if would_recommend not in (True, False, None):
        errors["would_recommend"] = gettext("Answer yes, no, or leave it out.")
    comment = (comment or "").strip()
    if len(comment) > TEXT_MAX:
        errors["comment"] = gettext("Keep it under %(text_max)s characters.") % {
            "text_max": TEXT_MAX
        }
    if errors:
        raise ValidationError(errors)
    return rating, would_recommend, comment


@transaction.atomic
def exit_feedback_record(
    *,
    actor: Actor,
    plan: ExitPlan,
    rating,
    would_recommend: bool | None,
    comment: str = "",
    from_customer: bool = False,
    now: datetime | None = None,
) -> ExitPlan:
    """How the customer says we handled the parting: asked in the final conversation
    (recorded by the team) or given on their own page."""
    plan = (
        ExitPlan.objects.select_for_update(of=("self",))
        .select_related("case", "case__account", "case__playbook")
        .get(pk=plan.pk)
    )
    if not from_customer:
        _require_parting(actor, plan.case)
    if plan.is_closed:
        raise ValidationError(gettext("This exit plan is closed."))
    if plan.kind != ExitKind.MUTUAL:
        raise ValidationError(
            gettext("Exit feedback is asked only of customers we parted with by agreement.")
        )
    rating, would_recommend, comment = _feedback_clean(rating, would_recommend, comment)
    plan.feedback_rating, plan.feedback_would_recommend = rating, would_recommend
    plan.feedback_comment, plan.feedback_from_customer = comment, from_customer
    plan.feedback_at = now or timezone.now()
    plan.save(
        update_fields=[
            "feedback_rating",
            "feedback_would_recommend",
            "feedback_comment",
            "feedback_from_customer",
            "feedback_at",
        ]
    )
    case_log(
        actor,
        plan.case,
        "parting.feedback",
        said(
            gettext_noop("Exit feedback: %(rating)s/5"),
            *([gettext_noop(" (from the customer's page)")] if from_customer else []),
            rating=rating,
        ),
        after={"rating": rating, "would_recommend": would_recommend},
    )
    return plan


@transaction.atomic
def exit_plan_close(
    *, actor: Actor, plan: ExitPlan, note: str = "", now: datetime | None = None
) -> RecoveryCase:
    """Close the exit: every part done (or renegotiated and then done, or broken with a
    reason), the final conversation held, and for a mutual parting the exit feedback."""
    plan = _open_plan(actor, plan)
    case = plan.case
    now = now or timezone.now()
    problems = []
    if case.commitments.filter(status=CommitmentStatus.OPEN).exists():
        problems.append(gettext("finish or resolve every part of the plan"))
    if plan.kind == ExitKind.MUTUAL and plan.final_conversation_at is None:
        problems.append(gettext("hold the final conversation"))
    if plan.kind == ExitKind.MUTUAL and plan.feedback_at is None:
        problems.append(gettext("ask for their exit feedback"))
    if problems:
        raise ValidationError(
            {"close": gettext("Before closing: %(problems)s.") % {"problems": "; ".join(problems)}}
        )
    for step in CaseStep.objects.filter(case=case, done_at__isnull=True).order_by("order"):
        step_complete(actor=actor, step=step, now=now)
    plan.closed_at = now
    plan.save(update_fields=["closed_at"])
    return case_close(actor=actor, case=case, outcome=Outcome.PARTED, note=note, now=now)
