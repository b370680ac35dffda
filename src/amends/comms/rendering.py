"""The words of a message: a template per kind and language, filled from a case or
an account. Managers edit the templates, so they run in the one sandbox for text
a user writes (``amends.core.sandbox``), filled from a context made here of plain
dicts, lists and strings, never model instances."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import dateformat, formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from amends.accounts.models import Account, Contact
from amends.comms.models import MessageKind, MessageTemplate
from amends.comms.selectors import template_pick, user_can_edit_templates
from amends.core.sandbox import RenderError, render_text
from amends.customerpage.selectors import share_live_for, share_url
from amends.people.access import user_is_admin
from amends.people.models import Membership, Role, User
from amends.recovery.models import CommitmentStatus, RecordKind, RecoveryCase
from amends.timeline.services import Actor

# The kinds a person writes from a case page; the value summary is written from the
# account page; notices, digests and escalations have screens of their own.
CASE_KINDS = [
    MessageKind.FIRST_CONTACT,
    MessageKind.APOLOGY,
    MessageKind.EXPLANATION,
    MessageKind.UPDATE,
    MessageKind.FOLLOW_UP,
]
TEMPLATE_KINDS = [*CASE_KINDS, MessageKind.VALUE_SUMMARY]
COACHED_KINDS = {MessageKind.APOLOGY, MessageKind.EXPLANATION}
FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def _tidy_body(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    # Tags on lines of their own leave blank lines behind: keep at most one in a row.
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def message_render(subject: str, body: str, context: dict, *, strict: bool = False) -> Rendered:
    return Rendered(
        subject=" ".join(render_text(subject, context, strict=strict).split()),
        body=_tidy_body(render_text(body, context, strict=strict)),
    )


def template_check(*, subject: str, body: str) -> None:
    """Refuse a template that does not render, naming the field and the reason."""
    errors = {}
    for field, source in (("subject", subject), ("body", body)):
        try:
            render_text(source, sample_context(), strict=True)
        except RenderError as error:
            errors[field] = str(error)
    if errors:
        raise ValidationError(errors)


# -- plain values in the template's language -------------------------------------

# A date as a letter writes it, in the words of the template's language. With the
# weekday for a promise ("by Friday 27 November 2026"); without for a period.
LONG_DATE = {"en": "l j F Y", "pl": "j E Y", "el": "j E Y", "zh-hans": "Y年n月j日"}
PLAIN_DATE = {**LONG_DATE, "en": "j F Y"}


def date_text(value: date | datetime | None, language: str, *, weekday: bool = True) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localdate(value)
    formats_by_language = LONG_DATE if weekday else PLAIN_DATE
    with translation.override(language):
        if language in formats_by_language:
            return dateformat.format(value, formats_by_language[language])
        return formats.date_format(value, "DATE_FORMAT")


def amount_text(amount: Decimal | int | float, language: str) -> str:
    with translation.override(language):
        return formats.number_format(amount, 2, use_l10n=True, force_grouping=True)


def languages_for(*codes: str) -> list[str]:
    """Each code, then its base language, in order, once: "pl-pl" → pl-pl, pl."""
    wanted: list[str] = []
    for code in [*codes, FALLBACK_LANGUAGE]:
        code = (code or "").strip().lower().replace("_", "-")
        for candidate in (code, code.split("-")[0]):
            if candidate and candidate not in wanted:
                wanted.append(candidate)
    return wanted


# -- the context ---------------------------------------------------------------

# What a template may use, for the people who write them.
VARIABLES = [
    ("contact.name", _("the person you write to")),
    ("contact.email", _("their address")),
    ("account.name", _("the customer's name")),
    ("incident.title", _("what went wrong, in a line (a case without an incident: its reason)")),
    ("incident.when", _("when it happened")),
    ("incident.what", _("what went wrong, as described on the incident")),
    ("incident.why", _("why: the explanation on record, or the post-mortem's how and why")),
    ("incident.impact", _("what it meant for this customer")),
    ("commitments", _("the promises standing: c.what, c.measure, c.due, c.kept, c.resolved")),
    ("commitments_broken", _("promises not kept: c.what, c.reason")),
    ("changes", _("preventive changes on record: c.what")),
    ("sender.name / sender.role / sender.email", _("you")),
    ("case.link", _("the customer's page for the case, when it is shared")),
    ("today", _("today's date")),
    ("period.start / period.end", _("the value summary's period")),
    (
        "value",
        _(
            "the value summary: value.orders.count, value.orders.totals (t.amount, "
            "t.currency), value.complaints_resolved, value.promises_kept, "
            "value.promises_kept_late, value.gestures (g.description, g.date), "
            "value.cases_recovered, value.is_empty"
        ),
    ),
]


def base_context(language: str) -> dict:
    """Every variable a template may use, empty: a value summary has no incident and
    a case has no period, and either renders without an unknown variable."""
    return {
        "language": language,
        "today": date_text(timezone.localdate(), language),
        "contact": {"name": "", "email": ""},
        "account": {"name": ""},
        "incident": {"title": "", "when": "", "what": "", "why": "", "impact": ""},
        "commitments": [],
        "commitments_broken": [],
        "changes": [],
        "sender": {"name": "", "role": "", "email": ""},
        "case": {"link": ""},
        "period": {"start": "", "end": ""},
        "value": {
            "is_empty": True,
            "orders": {"count": 0, "totals": []},
            "complaints_resolved": 0,
            "promises_kept": 0,
            "promises_kept_late": 0,
            "gestures": [],
            "cases_recovered": 0,
        },
    }


def sample_context(language: str = FALLBACK_LANGUAGE) -> dict:
    """Made-up values with every variable set: what a template is checked against."""
    context = base_context(language)
    due = timezone.localdate() + timedelta(days=3)
    context.update(
        contact={"name": "Joanna Nowak", "email": "joanna@example.com"},
        account={"name": "Harbor Printing Ltd"},
        incident={
            "title": "Tax forms printed with the wrong year",
            "when": date_text(timezone.localdate() - timedelta(days=1), language),
            "what": "1,200 tax forms were printed with last year's template.",
            "why": "The print job used a template that no one had checked since January.",
            "impact": "Your staff spent two days checking the forms.",
        },
        commitments=[
            {
                "what": "Reprint every form",
                "measure": "1,200 forms delivered and counted",
                "due": date_text(due, language),
                "status": CommitmentStatus.OPEN.value,
                "kept": False,
                "resolved": "",
            }
        ],
        commitments_broken=[{"what": "Call back within the hour", "reason": "I was ill"}],
        changes=[{"what": "A second person proofs every template before printing"}],
        sender={"name": "Alex Moss", "role": "Manager", "email": "alex@example.com"},
        case={"link": "https://amends.example/c/secret/"},
        period={
            "start": date_text(timezone.localdate() - timedelta(days=90), language, weekday=False),
            "end": date_text(timezone.localdate(), language, weekday=False),
        },
        value={
            "is_empty": False,
            "orders": {"count": 12, "totals": [{"currency": "EUR", "amount": "12,400.00"}]},
            "complaints_resolved": 2,
            "promises_kept": 3,
            "promises_kept_late": 1,
            "gestures": [{"description": "A free layout review", "date": context["today"]}],
            "cases_recovered": 1,
        },
    )
    return context


def sender_values(user: User | None, *, team_id: int | None, language: str) -> dict:
    if user is None:
        return {"name": "", "role": "", "email": ""}
    role = ""
    membership = Membership.objects.filter(user=user, team_id=team_id).first()
    with translation.override(language):
        if membership is not None:
            role = str(membership.get_role_display())
        elif user_is_admin(user):
            role = str(Role.ADMIN.label)
    return {"name": user.get_full_name() or user.get_username(), "role": role, "email": user.email}


def _commitment_values(commitment, language: str) -> dict:
    return {
        "what": commitment.what,
        "measure": commitment.measure,
        "due": date_text(commitment.due_at, language),
        "status": commitment.status,
        "kept": commitment.status in (CommitmentStatus.KEPT, CommitmentStatus.KEPT_LATE),
        "resolved": date_text(commitment.resolved_at, language),
    }


def _incident_values(case: RecoveryCase, language: str) -> dict:
    explained = case.records.filter(kind=RecordKind.EXPLANATION).last()
    why = explained.data.get("text", "") if explained is not None else ""
    incident = case.incident
    if incident is None:
        # A cooling relationship or a complaint: the case's reason says what is wrong.
        return {"title": case.reason, "when": "", "what": case.reason, "why": why, "impact": ""}
    postmortem = getattr(incident, "postmortem", None)
    if not why and postmortem is not None:
        why = postmortem.how_and_why
    affected = incident.affected.filter(account_id=case.account_id).first()
    return {
        "title": incident.title,
        "when": date_text(incident.occurred_at, language),
        "what": incident.description.strip() or incident.title,
        "why": why.strip(),
        "impact": affected.impact if affected is not None else "",
    }


def case_context(
    *,
    case: RecoveryCase,
    language: str,
    sender: User | None,
    to_name: str = "",
    to_email: str = "",
) -> dict:
    """What a template about ``case`` sees, in plain values, dates in ``language``."""
    context = base_context(language)
    commitments = list(case.commitments.all())
    share = share_live_for(case=case)
    changes = case.records.filter(kind=RecordKind.PREVENTIVE_CHANGE).order_by("at", "id")
    context.update(
        contact={"name": to_name, "email": to_email},
        account={"name": case.account.name},
        incident=_incident_values(case, language),
        # A renegotiated promise lives on in the one that replaced it.
        commitments=[
            _commitment_values(c, language)
            for c in commitments
            if c.status not in (CommitmentStatus.RENEGOTIATED, CommitmentStatus.BROKEN)
        ],
        commitments_broken=[
            {"what": c.what, "reason": c.reason}
            for c in commitments
            if c.status == CommitmentStatus.BROKEN
        ],
        changes=[{"what": r.data.get("what", "")} for r in changes],
        sender=sender_values(sender, team_id=case.account.team_id, language=language),
        case={"link": share_url(share) if share is not None else ""},
    )
    return context


# -- drafts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    kind: str
    language: str
    subject: str
    body: str
    template: MessageTemplate | None
    error: str = ""  # the template failed to render: the author must write it


def draft_languages(*, contact: Contact | None, account: Account, chosen: str = "") -> list[str]:
    """The chosen language, else the contact's, else the account's, else English."""
    if chosen:
        return languages_for(chosen)
    return languages_for(contact.language if contact else "", account.language)


def draft_from(*, kind: str, languages: list[str], context_for) -> Draft:
    """The draft of ``kind`` in the first of ``languages`` that has a template.
    ``context_for(language)`` gives the values, with dates in that language."""
    template = template_pick(kind=kind, languages=languages)
    if template is None:
        return Draft(kind, languages[0], "", "", None)
    try:
        rendered = message_render(template.subject, template.body, context_for(template.language))
    except RenderError as error:
        return Draft(kind, template.language, "", "", template, error=str(error))
    return Draft(kind, template.language, rendered.subject, rendered.body, template)


def case_message_key(*, case: RecoveryCase, kind: str, email: str) -> str:
    """One message of a kind per case and address: a second click finds it sent."""
    return f"case:{case.pk}:{kind}:{email.strip().lower()}"


def case_draft(
    *,
    case: RecoveryCase,
    kind: str,
    sender: User | None,
    contact: Contact | None = None,
    to_email: str = "",
    to_name: str = "",
    language: str = "",
) -> Draft:
    name = to_name or (contact.name if contact else "")
    email = to_email or (contact.email if contact else "")
    return draft_from(
        kind=kind,
        languages=draft_languages(contact=contact, account=case.account, chosen=language),
        context_for=lambda code: case_context(
            case=case, language=code, sender=sender, to_name=name, to_email=email
        ),
    )


# -- the one write ----------------------------------------------------------------------


@transaction.atomic
def message_template_save(
    *,
    actor: Actor,
    template: MessageTemplate | None,
    kind: str,
    language: str,
    subject: str,
    body: str,
) -> MessageTemplate:
    """Make or change a template; one that does not render is refused with the reason."""
    if actor.user is not None and not user_can_edit_templates(actor.user):
        raise PermissionDenied(gettext("Only managers and admins change message templates."))
    template_check(subject=subject, body=body)
    if template is None:
        if MessageTemplate.objects.filter(kind=kind, language=language).exists():
            raise ValidationError(
                {"language": gettext("There is already a template for this kind and language.")}
            )
        template = MessageTemplate(kind=kind, language=language)
    template.subject, template.body = subject.strip(), body.strip() + "\n"
    template.updated_by = actor.user
    template.save()
    return template
