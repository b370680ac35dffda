from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from amends.accounts.selectors import AccountFilters, account_list, account_visible_to
from amends.core.forms import errors_onto
from amends.core.pagination import page_of
from amends.core.parts import page_parts
from amends.incidents.forms import AffectedRows, IncidentForm, PostMortemForm
from amends.incidents.models import IncidentStatus
from amends.incidents.scrubbed import replaced_in
from amends.incidents.selectors import (
    incident_cases_for,
    incident_get_for,
    incident_hidden_count,
    incident_impacts,
    incident_list_for,
    incident_scrubber,
    incident_similar,
    incident_similar_to_draft,
    incident_visible_to,
    postmortem_public,
)
from amends.incidents.services import (
    POSTMORTEM_FIELDS,
    _tags,
    incident_add_accounts,
    incident_declare,
    incident_status_set,
    postmortem_update,
)
from amends.people.access import WRITE, user_can, user_can_write_anywhere
from amends.timeline.services import Actor

PICKER_LIMIT = 15
# Affected accounts shown at a time on the incident's page, as many as My work's page
# of cases; the pager shows the rest. A row costs some 0.2 ms to build and render.
AFFECTED_PAGE_SIZE = 50


def _form_errors(form, error: ValidationError) -> list[str]:
    """Field errors on their fields; the rest (the affected list) as lines."""
    return errors_onto(form, error, rest_on_form=False)


@login_required
def incident_list_view(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", IncidentStatus.OPEN)
    status = status if status in IncidentStatus.values or status == "" else IncidentStatus.OPEN
    page = page_of(incident_list_for(user=request.user, status=status), request.GET.get("page"), 50)
    context = {
        "page": page,
        "status": status,
        "statuses": IncidentStatus.choices,
        "can_declare": user_can_write_anywhere(request.user),
    }
    return render(request, "incidents/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def incident_declare_view(request: HttpRequest) -> HttpResponse:
    if not user_can_write_anywhere(request.user):
        raise PermissionDenied(_("You may look at incidents but not declare them."))
    form = IncidentForm(request.POST or None, user=request.user)
    writable = account_visible_to(request.user, WRITE)
    affected = AffectedRows(request.POST if request.method == "POST" else None, accounts=writable)
    problems: list[str] = []
    if request.method == "POST":
        impacts = affected.impacts()
        problems = affected.errors
        if not affected.rows and not problems:
            problems.append(_("Add at least one affected account."))
        if form.is_valid() and not problems:
            data = form.cleaned_data
            try:
                incident = incident_declare(actor=Actor.web(request), affected=impacts, **data)
            except ValidationError as error:
                problems = _form_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Incident declared; %(count)s recovery cases opened.")
                    % {"count": len(impacts)},
                )
                return redirect("incidents:detail", incident_id=incident.pk)
    context = {"form": form, "affected": affected.rows, "problems": problems}
    status = 400 if request.method == "POST" else 200
    return render(request, "incidents/declare.html", context, status=status)


@login_required
def account_picker_view(request: HttpRequest) -> HttpResponse:
    """Search results for the affected-account picker (an htmx partial)."""
    query = request.GET.get("q", "").strip()
    accounts = []
    if query:
        found = account_list(user=request.user, filters=AccountFilters(q=query))
        writable = account_visible_to(request.user, WRITE)
        accounts = list(found.filter(pk__in=writable.values("pk"))[:PICKER_LIMIT])
    return render(request, "incidents/picker.html", {"accounts": accounts, "query": query})


@login_required
def affected_row_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = account_visible_to(request.user, WRITE).filter(pk=account_id).first()
    if account is None:
        return HttpResponse(status=404)
    row = {"account": account, "values": {}}
    return render(request, "incidents/affected_row.html", {"row": row})


def _shareable(request: HttpRequest, matches: list) -> dict:
    """Earlier incidents this person may see, and other teams' published post-mortems;
    nothing else of another team's incidents shows."""
    visible = set(
        incident_visible_to(request.user)
        .filter(pk__in=[m.pk for m in matches])
        .values_list("pk", flat=True)
    )
    shown = [
        m
        for m in matches
        if m.pk in visible or (getattr(m, "postmortem", None) and m.postmortem.published_at)
    ]
    return {"similar": shown, "visible": visible}


@login_required
def similar_view(request: HttpRequest) -> HttpResponse:
    """ "This has happened before", checked while the incident is being written."""
    cause = request.GET.get("cause", "")
    matches = []
    if cause.isdigit():
        matches = incident_similar_to_draft(
            cause_id=int(cause),
            title=request.GET.get("title", ""),
            description=request.GET.get("description", ""),
            tags=_tags(request.GET.get("tags", "")),
            now=timezone.now(),
        )
    return render(request, "incidents/similar.html", _shareable(request, matches))


@login_required
def incident_detail_view(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = incident_get_for(user=request.user, incident_id=incident_id)
    if request.htmx:  # the pager: another page of the affected accounts
        return render(request, "incidents/detail.html#affected", _affected(request, incident))
    can_edit = user_can(request.user, WRITE, incident.team_id)
    return render(request, "incidents/detail.html", _detail_context(request, incident, can_edit))


def _affected(request: HttpRequest, incident) -> dict:
    """One page of the affected accounts with their cases: an incident can touch
    thousands, and each row costs the page the same whatever their number."""
    cases = page_of(
        incident_cases_for(incident=incident, user=request.user),
        request.GET.get("page"),
        AFFECTED_PAGE_SIZE,
    )
    listed = list(cases.object_list)
    impacts = incident_impacts(incident=incident, account_ids=[c.account_id for c in listed])
    return {
        "incident": incident,
        "cases": cases,
        "rows": [{"case": case, "impact": impacts.get(case.account_id)} for case in listed],
        "hidden": incident_hidden_count(incident=incident, user=request.user),
        # Each listed case's progress, from recovery (the app above).
        **page_parts("incident_page", incident=incident, cases=listed, now=timezone.now()),
    }


def _detail_context(request: HttpRequest, incident, can_edit: bool, **extra) -> dict:
    postmortem = incident.postmortem
    texts = extra.get("preview", {n: getattr(postmortem, n) for n in POSTMORTEM_FIELDS})
    return {
        **_affected(request, incident),
        **_shareable(request, incident_similar(incident=incident)),
        "postmortem": postmortem,
        "sections": [
            (PostMortemForm.base_fields[n].label, getattr(postmortem, n)) for n in POSTMORTEM_FIELDS
        ],
        "postmortem_form": extra.get("postmortem_form") or PostMortemForm(instance=postmortem),
        "can_edit": can_edit,
        # The author sees what the public will read before publishing.
        "public_version": _public_version(incident, texts)
        if can_edit and any(texts.values())
        else None,
        "previewing": "preview" in extra,
        "problems": extra.get("problems", []),
        "affected": extra.get("affected", []),
    }


@login_required
@require_POST
def incident_add_accounts_view(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = incident_get_for(user=request.user, incident_id=incident_id)
    if not user_can(request.user, WRITE, incident.team_id):
        raise PermissionDenied(_("You may look at this incident but not change it."))
    affected = AffectedRows(request.POST, accounts=account_visible_to(request.user, WRITE))
    impacts = affected.impacts()
    problems = affected.errors or ([] if impacts else [_("Add at least one account.")])
    if not problems:
        try:
            incident_add_accounts(actor=Actor.web(request), incident=incident, affected=impacts)
        except ValidationError as error:
            problems = [t for texts in error.message_dict.values() for t in texts]
        else:
            messages.success(
                request, _("%(count)s recovery cases opened.") % {"count": len(impacts)}
            )
            return redirect("incidents:detail", incident_id=incident.pk)
    context = _detail_context(request, incident, True, problems=problems, affected=affected.rows)
    return render(request, "incidents/detail.html", context, status=400)


@login_required
@require_POST
def postmortem_edit_view(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = incident_get_for(user=request.user, incident_id=incident_id)
    if not user_can(request.user, WRITE, incident.team_id):
        raise PermissionDenied(_("You may look at this post-mortem but not change it."))
    form = PostMortemForm(request.POST, instance=incident.postmortem)
    if "preview" in request.POST:
        # Nothing is saved: the texts as typed, shown as the public will read them.
        texts = {n: form.data.get(n, "").strip() for n in POSTMORTEM_FIELDS}
        context = _detail_context(request, incident, True, postmortem_form=form, preview=texts)
        return render(request, "incidents/detail.html", context)
    if form.is_valid():
        texts = {name: form.cleaned_data[name] for name in POSTMORTEM_FIELDS}
        try:
            postmortem_update(
                actor=Actor.web(request),
                incident=incident,
                publish=form.cleaned_data["publish"],
                **texts,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Post-mortem saved."))
            return redirect(reverse("incidents:detail", args=[incident.pk]) + "#postmortem")
    incident.postmortem.refresh_from_db()
    context = _detail_context(request, incident, True, postmortem_form=form)
    return render(request, "incidents/detail.html", context, status=400)


@login_required
@require_POST
def incident_status_view(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = incident_get_for(user=request.user, incident_id=incident_id)
    try:
        incident_status_set(
            actor=Actor.web(request), incident=incident, status=request.POST.get("status", "")
        )
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    except PermissionDenied as error:
        messages.error(request, str(error))
    return redirect("incidents:detail", incident_id=incident.pk)


def _public_version(incident, texts: dict[str, str]) -> dict:
    scrubber = incident_scrubber(incident=incident)
    title = scrubber.scrub(incident.title)
    sections = [
        (PostMortemForm.base_fields[name].label, scrubber.scrub(texts[name]))
        for name in POSTMORTEM_FIELDS
    ]
    return {
        "title": title,
        "sections": sections,
        "replaced": replaced_in(title, *(text for _, text in sections)),
    }


def postmortem_public_view(request: HttpRequest, key: str) -> HttpResponse:
    """A published post-mortem, readable by anyone with the link. The names of the
    customers and their contacts, e-mail addresses and phone numbers are taken out
    even where the authors wrote them (see incidents/scrub.py)."""
    postmortem = postmortem_public(key=key)
    incident = postmortem.incident
    texts = {name: getattr(postmortem, name) for name in POSTMORTEM_FIELDS}
    context = {"incident": incident, "postmortem": postmortem, **_public_version(incident, texts)}
    return render(request, "incidents/postmortem_public.html", context)
