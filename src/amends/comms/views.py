"""Messages from Amends' screens: the templates (list, edit, a preview filled from a
real case), the composer on the case page with the apology coach, sending exactly
once with a confirmed resend, and the value summary of an account. Each view
starts from the permission helper of its object; sending goes through
``message_send``, which refuses anyone who may not write for the account."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amends.accounts.models import Account, Contact
from amends.accounts.selectors import account_get_for
from amends.comms.coach import coach_check, coach_score
from amends.comms.forms import (
    CaseMessageForm,
    ComposeForm,
    MessageForm,
    MessageTemplateForm,
    ValueMessageForm,
    ValuePeriodForm,
)
from amends.comms.models import Message, MessageKind, MessageState, MessageTemplate
from amends.comms.rendering import (
    COACHED_KINDS,
    TEMPLATE_KINDS,
    VARIABLES,
    Draft,
    RenderError,
    case_context,
    case_draft,
    case_message_key,
    message_render,
    message_template_save,
    user_can_edit_templates,
    user_can_read_templates,
)
from amends.comms.services import Outgoing, SendResult, message_send
from amends.comms.value import (
    value_context,
    value_draft,
    value_message_key,
    value_period_default,
    value_summary,
)
from amends.core.forms import errors_onto
from amends.people.access import WRITE, user_can
from amends.recovery.models import RecoveryCase
from amends.recovery.selectors import case_get_for, case_visible_to
from amends.timeline.services import Actor

PREVIEW_CASES = 50


def _refusals(error: ValidationError) -> list[str]:
    found = getattr(error, "message_dict", {"": error.messages})
    return [line for lines in found.values() for line in lines]


def _writable_case(request: HttpRequest, case_id: int) -> RecoveryCase:
    return case_get_for(user=request.user, case_id=case_id, action=WRITE)


def _author(request: HttpRequest) -> str:
    return request.user.get_full_name() or request.user.get_username()


def _first_contact(account: Account) -> Contact | None:
    # Decision makers first: the model's ordering.
    return account.contacts.exclude(email="").first()


def _coach(text: str, kind: str, language: str, author: str) -> dict:
    if kind not in COACHED_KINDS or not text.strip():
        return {"findings": [], "passed": 0, "total": 0, "kind": kind}
    findings = coach_check(text, kind=kind, language=language or None, author=author)
    passed, total = coach_score(findings)
    return {"findings": findings, "passed": passed, "total": total, "kind": kind}


# -- templates ---------------------------------------------------------------------


def _template_reader(request: HttpRequest) -> bool:
    if not user_can_read_templates(request.user):
        raise PermissionDenied(_("Message templates are for the people of a team."))
    return user_can_edit_templates(request.user)


@login_required
@require_GET
def template_list_view(request: HttpRequest) -> HttpResponse:
    can_edit = _template_reader(request)
    templates = list(MessageTemplate.objects.select_related("updated_by"))
    # The site's languages in their order, then whatever else was added as data.
    known = [code for code, _name in settings.LANGUAGES]
    languages = sorted(
        {t.language for t in templates},
        key=lambda code: (known.index(code) if code in known else len(known), code),
    )
    found = {(t.kind, t.language): t for t in templates}
    rows = [
        {
            "kind": kind,
            "cells": [
                {"language": code, "template": found.get((kind.value, code))} for code in languages
            ],
        }
        for kind in MessageKind
        if kind in TEMPLATE_KINDS or any((kind.value, code) in found for code in languages)
    ]
    context = {"rows": rows, "template_languages": languages, "can_edit": can_edit}
    return render(request, "comms/template_list.html", context)


def _preview_case(request: HttpRequest, data) -> tuple[list[RecoveryCase], RecoveryCase | None]:
    """The cases the person may fill a preview from (open ones first), and the chosen one."""
    cases = list(
        case_visible_to(request.user)
        .select_related("account", "playbook", "incident")
        .order_by(F("closed_at").asc(nulls_first=True), "-opened_at")[:PREVIEW_CASES]
    )
    chosen = (data.get("case") or "").strip()
    if not chosen.isdigit():
        return cases, (cases[0] if cases else None)
    # Another team's case is not there to choose: 404, as everywhere.
    case = case_get_for(user=request.user, case_id=int(chosen))
    if case not in cases:
        cases.insert(0, case)
    return cases, case


def _preview(*, request, case, kind: str, language: str, subject: str, body: str) -> dict:
    """The template filled from ``case`` (or its account, for a value summary)."""
    if case is None:
        return {}
    contact = _first_contact(case.account)
    name, email = (contact.name, contact.email) if contact else ("", "")
    if kind == MessageKind.VALUE_SUMMARY:
        start, end = value_period_default()
        summary = value_summary(account=case.account, start=start, end=end)
        context = value_context(
            summary=summary, language=language, sender=request.user, to_name=name, to_email=email
        )
    else:
        context = case_context(
            case=case, language=language, sender=request.user, to_name=name, to_email=email
        )
    try:
        rendered = message_render(subject, body, context)
    except RenderError as error:
        return {"error": str(error), "to": email}
    coached = _coach(rendered.body, kind, language, _author(request))
    return {"subject": rendered.subject, "body": rendered.body, "to": email, "coach": coached}


@login_required
@require_http_methods(["GET", "POST"])
def template_edit_view(request: HttpRequest, template_id: int | None = None) -> HttpResponse:
    can_edit = _template_reader(request)
    template = None
    if template_id is not None:
        template = MessageTemplate.objects.filter(pk=template_id).first()
        if template is None:
            raise Http404("No such template.")
    elif not can_edit:
        raise PermissionDenied(_("Only managers and admins add message templates."))
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(_("Only managers and admins change message templates."))

    data = request.POST if request.method == "POST" else request.GET
    cases, case = _preview_case(request, data)
    initial = {"kind": request.GET.get("kind", ""), "language": request.GET.get("language", "")}
    form = MessageTemplateForm(
        request.POST if request.method == "POST" else None,
        instance=template,
        initial=None if template else initial,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid() and request.POST.get("action") != "preview":
            try:
                saved = message_template_save(
                    actor=Actor.web(request),
                    template=template,
                    kind=form.cleaned_data["kind"],
                    language=form.cleaned_data["language"],
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as error:
                errors_onto(form, error)
            else:
                messages.success(request, _("Template saved: %(name)s") % {"name": saved})
                url = reverse("comms:template", args=[saved.pk])
                return redirect(f"{url}?case={case.pk}" if case else url)
        status = 200 if form.is_valid() else 400

    # The preview shows what is on the screen: the saved words, or the ones being edited.
    source = template
    if request.method == "POST":
        source = MessageTemplate(
            kind=form.cleaned_data.get("kind") or (template.kind if template else ""),
            language=form.cleaned_data.get("language") or (template.language if template else "en"),
            subject=request.POST.get("subject", ""),
            body=request.POST.get("body", ""),
        )
    preview = {}
    if source is not None and source.kind:
        preview = _preview(
            request=request,
            case=case,
            kind=source.kind,
            language=source.language or "en",
            subject=source.subject,
            body=source.body,
        )
    context = {
        "template": template,
        "form": form,
        "can_edit": can_edit,
        "cases": cases,
        "case": case,
        "preview": preview,
        "variables": VARIABLES,
    }
    return render(request, "comms/template_edit.html", context, status=status)


# -- the apology coach -----------------------------------------------------------------


@login_required
@require_POST
def coach_view(request: HttpRequest) -> HttpResponse:
    """The coach's findings on a draft, as the composer's partial. It reads only the
    text it is sent, so anyone signed in may ask."""
    text = request.POST.get("body") or request.POST.get("text") or ""
    kind = request.POST.get("kind", MessageKind.APOLOGY)
    language = request.POST.get("language", "")
    author = request.POST.get("author") or _author(request)
    context = _coach(text[:20_000], kind, language, author)
    return render(request, "comms/coach_findings.html", context)


# -- writing from the case page ----------------------------------------------------------


def _compose_context(request, case, compose_form, message_form, draft: Draft | None) -> dict:
    kind = message_form["kind"].value()
    if kind in COACHED_KINDS:
        message_form.fields["body"].widget.attrs.update(
            {
                "hx-post": reverse("comms:coach"),
                "hx-trigger": "keyup changed delay:400ms, change",
                "hx-target": "#coach",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",  # a newer draft's advice wins over an older one's
                "aria-describedby": "coach",
            }
        )
    return {
        "case": case,
        "account": case.account,
        "compose_form": compose_form,
        "form": message_form,
        "draft": draft,
        "kind_label": MessageKind(kind).label if kind in MessageKind.values else "",
        "coach": _coach(
            message_form["body"].value() or "",
            kind,
            message_form["language"].value() or "",
            _author(request),
        ),
    }


@login_required
@require_GET
def case_compose_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """The draft of a message from the case: made from the template of the chosen
    kind, in the contact's language (else the account's, else English)."""
    case = _writable_case(request, case_id)
    contact = _first_contact(case.account)
    bound = "kind" in request.GET
    compose_form = ComposeForm(
        request.GET if bound else None,
        account=case.account,
        initial={"kind": MessageKind.APOLOGY, "contact": contact},
    )
    if bound and compose_form.is_valid():
        kind = compose_form.cleaned_data["kind"]
        contact = compose_form.cleaned_data["contact"]
        language = compose_form.cleaned_data["language"]
    else:
        kind, language = MessageKind.APOLOGY, ""
    draft = case_draft(
        case=case,
        kind=kind,
        sender=request.user,
        contact=contact,
        to_email=request.GET.get("to_email", ""),
        to_name=request.GET.get("to_name", ""),
        language=language,
    )
    message_form = CaseMessageForm(
        initial={
            "kind": kind,
            "language": draft.language,
            "to_email": contact.email if contact else request.GET.get("to_email", ""),
            "to_name": contact.name if contact else request.GET.get("to_name", ""),
            "subject": draft.subject,
            "body": draft.body,
        }
    ).for_composing()
    context = _compose_context(request, case, compose_form, message_form, draft)
    if request.htmx:
        return render(request, "comms/message_compose.html#composer", context)
    return render(request, "comms/message_compose.html", context)


def _sent_on(message: Message) -> str:
    moment = message.sent_at or message.created_at
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _confirm_page(
    request, *, form: MessageForm, previous: Message, action: str, back: str, **extra
):
    context = {"form": form.for_confirming(), "previous": previous, "action": action, "back": back}
    context["sent_on"] = _sent_on(previous)
    return render(request, "comms/message_resend.html", {**context, **extra})


def _confirm_again(request, form: MessageForm, key: str, **page) -> HttpResponse | None:
    """A confirmation sent back without the box ticked: ask again, if there is
    something to send again."""
    if not form.data.get("resend"):
        return None
    previous = Message.objects.filter(key=key).first()
    if previous is None:
        return None
    return _confirm_page(request, form=form, previous=previous, **page)


def _after_send(request, result: SendResult) -> None:
    message = result.message
    if result.sent_now:
        messages.success(
            request,
            _("Sent to %(to)s: “%(subject)s”.")
            % {"to": message.recipient_email, "subject": message.subject},
        )
    elif message.state == MessageState.FAILED:
        messages.error(
            request,
            _(
                "Not sent yet: the mail server answered “%(error)s”. It is kept in the log "
                "and tried again."
            )
            % {"error": message.error},
        )
    else:
        messages.info(request, _("It is being sent already."))


@login_required
@require_POST
def case_send_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable_case(request, case_id)
    form = CaseMessageForm(request.POST)
    back = reverse("recovery:case", args=[case.pk]) + "#messages"
    if not form.is_valid():
        key = case_message_key(
            case=case, kind=form.data.get("kind", ""), email=form.data.get("to_email", "")
        )
        again = _confirm_again(
            request,
            form,
            key,
            action=reverse("comms:case-send", args=[case.pk]),
            back=back,
            case=case,
            account=case.account,
        )
        if again is not None:
            return again
        compose_form = ComposeForm(account=case.account, initial={"kind": form.data.get("kind")})
        context = _compose_context(request, case, compose_form, form.for_composing(), None)
        return render(request, "comms/message_compose.html", context, status=400)
    data = form.cleaned_data
    outgoing = Outgoing(
        key=case_message_key(case=case, kind=data["kind"], email=data["to_email"]),
        kind=data["kind"],
        to_email=data["to_email"],
        to_name=data["to_name"],
        subject=data["subject"],
        body=data["body"],
        language=data["language"],
        case=case,
    )
    try:
        result = message_send(actor=Actor.web(request), outgoing=outgoing, resend=data["resend"])
    except ValidationError as error:
        for line in _refusals(error):
            form.add_error(None, line)
        compose_form = ComposeForm(account=case.account, initial={"kind": data["kind"]})
        context = _compose_context(request, case, compose_form, form.for_composing(), None)
        return render(request, "comms/message_compose.html", context, status=400)
    if result.already_sent:
        return _confirm_page(
            request,
            form=CaseMessageForm(initial={**data, "resend": True}),
            previous=result.message,
            action=reverse("comms:case-send", args=[case.pk]),
            back=back,
            case=case,
            account=case.account,
        )
    _after_send(request, result)
    return redirect(back)


@login_required
@require_GET
def case_resend_view(request: HttpRequest, case_id: int, message_id: int) -> HttpResponse:
    """Send a message from the log again: the confirmation step first."""
    case = _writable_case(request, case_id)
    message = case.messages.filter(pk=message_id).first()
    if message is None:
        raise Http404("No such message.")
    form = CaseMessageForm(
        initial={
            "kind": message.kind,
            "language": message.language,
            "to_email": message.recipient_email,
            "to_name": message.recipient_name,
            "subject": message.subject,
            "body": message.body,
            "resend": True,
        }
    )
    return _confirm_page(
        request,
        form=form,
        previous=message,
        action=reverse("comms:case-send", args=[case.pk]),
        back=reverse("recovery:case", args=[case.pk]) + "#messages",
        case=case,
        account=case.account,
    )


# -- the value summary ---------------------------------------------------------------


def _value_page(request, account: Account, *, message_form=None, status=200) -> HttpResponse:
    start, end = value_period_default()
    contact = _first_contact(account)
    period_form = ValuePeriodForm(
        request.GET if "start" in request.GET else None,
        account=account,
        initial={"start": start, "end": end, "contact": contact},
    )
    language = ""
    if period_form.is_bound and period_form.is_valid():
        start, end = period_form.cleaned_data["start"], period_form.cleaned_data["end"]
        contact = period_form.cleaned_data["contact"]
        language = period_form.cleaned_data["language"]
    if message_form is not None and message_form.is_valid():
        start, end = message_form.cleaned_data["start"], message_form.cleaned_data["end"]
    summary = value_summary(account=account, start=start, end=end)
    draft = value_draft(summary=summary, sender=request.user, contact=contact, language=language)
    can_edit = user_can(request.user, WRITE, account.team_id)
    sent = account.messages.filter(kind=MessageKind.VALUE_SUMMARY).select_related("sent_by")
    if message_form is None:
        message_form = ValueMessageForm(
            initial={
                "start": start,
                "end": end,
                "language": draft.language,
                "to_email": contact.email if contact else "",
                "to_name": contact.name if contact else "",
                "subject": draft.subject,
                "body": draft.body,
            }
        ).for_composing()
    context = {
        "account": account,
        "summary": summary,
        "period_form": period_form,
        "form": message_form,
        "draft": draft,
        "can_edit": can_edit,
        "sent": sent[:20],
    }
    return render(request, "comms/value_summary.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def value_summary_view(request: HttpRequest, account_id: int) -> HttpResponse:
    """What the account got from us in a period, and the message that tells them."""
    if request.method == "GET":
        account = account_get_for(user=request.user, account_id=account_id)
        return _value_page(request, account)
    account = account_get_for(user=request.user, account_id=account_id, action=WRITE)
    form = ValueMessageForm(request.POST)
    here = reverse("comms:value-summary", args=[account.pk])
    if not form.is_valid():
        start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
        if start and end:
            email = form.data.get("to_email", "")
            key = value_message_key(account=account, start=start, end=end, email=email)
            again = _confirm_again(request, form, key, action=here, back=here, account=account)
            if again is not None:
                return again
        return _value_page(request, account, message_form=form.for_composing(), status=400)
    data = form.cleaned_data
    key = value_message_key(
        account=account, start=data["start"], end=data["end"], email=data["to_email"]
    )
    outgoing = Outgoing(
        key=key,
        kind=MessageKind.VALUE_SUMMARY,
        to_email=data["to_email"],
        to_name=data["to_name"],
        subject=data["subject"],
        body=data["body"],
        language=data["language"],
        account=account,
    )
    try:
        result = message_send(actor=Actor.web(request), outgoing=outgoing, resend=data["resend"])
    except ValidationError as error:
        for line in _refusals(error):
            form.add_error(None, line)
        return _value_page(request, account, message_form=form.for_composing(), status=400)
    if result.already_sent:
        return _confirm_page(
            request,
            form=ValueMessageForm(initial={**data, "resend": True}),
            previous=result.message,
            action=here,
            back=here,
            account=account,
        )
    _after_send(request, result)
    query = f"?start={data['start']:%Y-%m-%d}&end={data['end']:%Y-%m-%d}"
    return redirect(here + query)


urlpatterns = [
    path("messages/templates/", template_list_view, name="templates"),
    path("messages/templates/new/", template_edit_view, name="template-new"),
    path("messages/templates/<int:template_id>/", template_edit_view, name="template"),
    path("messages/coach/", coach_view, name="coach"),
    path("cases/<int:case_id>/messages/new/", case_compose_view, name="case-compose"),
    path("cases/<int:case_id>/messages/", case_send_view, name="case-send"),
    path(
        "cases/<int:case_id>/messages/<int:message_id>/again/",
        case_resend_view,
        name="case-resend",
    ),
    path("accounts/<int:account_id>/value-summary/", value_summary_view, name="value-summary"),
]
