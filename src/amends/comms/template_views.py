"""Message templates from Amends' screens: the list, the editor with a preview
filled from a real case, and the apology coach on its own page. The helpers at the
top are shared with the composer (views.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amends.accounts.models import Account, Contact
from amends.comms.coach import coach_check, coach_score
from amends.comms.forms import (
    MessageTemplateForm,
)
from amends.comms.models import MessageKind, MessageTemplate
from amends.comms.rendering import (
    COACHED_KINDS,
    TEMPLATE_KINDS,
    VARIABLES,
    RenderError,
    case_context,
    message_render,
    message_template_save,
)
from amends.comms.selectors import user_can_edit_templates, user_can_read_templates
from amends.comms.value import (
    value_context,
    value_period_default,
    value_summary,
)
from amends.core.forms import errors_onto
from amends.recovery.models import RecoveryCase
from amends.recovery.selectors import case_get_for, case_visible_to
from amends.timeline.services import Actor

PREVIEW_CASES = 50


def author_name(request: HttpRequest) -> str:
    """The signed-in writer's name, for the coach's check of a first-person apology."""
    user = request.user
    full = user.get_full_name() if user.is_authenticated else ""
    return full or user.get_username()


def first_contact(account: Account) -> Contact | None:
    # Decision makers first: the model's ordering.
    return account.contacts.exclude(email="").first()


def coach_for(text: str, kind: str, language: str, author: str) -> dict:
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
    contact = first_contact(case.account)
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
    coached = coach_for(rendered.body, kind, language, author_name(request))
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
    # The composer's body, or a record form's words (apology) or text (explanation).
    fields = ("body", "text", "apology-words", "explanation-text")
    text = next((request.POST[name] for name in fields if request.POST.get(name)), "")
    kind = request.POST.get("kind", MessageKind.APOLOGY)
    language = request.POST.get("language", "")
    author = request.POST.get("author") or author_name(request)
    context = coach_for(text[:20_000], kind, language, author)
    return render(request, "comms/coach_findings.html", context)


urlpatterns = [
    path("messages/templates/", template_list_view, name="templates"),
    path("messages/templates/new/", template_edit_view, name="template-new"),
    path("messages/templates/<int:template_id>/", template_edit_view, name="template"),
    path("messages/coach/", coach_view, name="coach"),
]
