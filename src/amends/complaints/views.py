"""The inbox, the complaint page and its small POST endpoints, the managers'
feedback-page buttons, and the public feedback page. Each change calls a
service; a refusal comes back as a message on the page."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from amends.accounts.models import Account
from amends.accounts.selectors import account_visible_to
from amends.complaints.feedback import (
    HONEYPOT,
    FeedbackRefused,
    form_token,
    form_token_check,
    honeypot_check,
    rate_limit_check,
)
from amends.complaints.feedback_page import (
    feedback_page_disable,
    feedback_page_enable,
    feedback_page_rotate,
)
from amends.complaints.forms import (
    AccountLinkForm,
    AnswerForm,
    CaseLinkForm,
    CaseOpenForm,
    FeedbackForm,
    FeedbackPageForm,
    FlagForm,
    InboxFilterForm,
    SatisfactionForm,
)
from amends.complaints.intake import complaint_receive
from amends.complaints.models import (
    Channel,
    Complaint,
    ConversationKind,
    FeedbackPage,
    Flag,
)
from amends.complaints.selectors import (
    INBOX_SORTS,
    abuse_reports_for_complaint,
    account_candidates,
    accounts_by_contact_email,
    accounts_suggested_for_parting,
    acknowledge_hours,
    complaint_events,
    complaint_get_for,
    complaint_list,
    complaint_summary_for_account,
    complaint_visible_to,
    feedback_page_get_public,
    feedback_pages_for,
    inbox_counts,
    open_cases_for_account,
    team_get_managed,
)
from amends.complaints.services import (
    complaint_account_link,
    complaint_acknowledge,
    complaint_answer,
    complaint_assign,
    complaint_case_link,
    complaint_case_open,
    complaint_classify,
    complaint_flag,
    complaint_resolve,
    complaint_satisfaction_record,
    complaints_bulk,
)
from amends.core.forms import errors_onto
from amends.core.pagination import page_of
from amends.core.parts import page_parts
from amends.core.sorting import sort_from
from amends.core.web import list_url, numbers, refusal_to_messages
from amends.people.access import WRITE, client_address, user_can
from amends.people.models import User
from amends.people.selectors import team_members, team_workers, teams_workers
from amends.timeline.services import Actor

_refused = refusal_to_messages


def _form_refused(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _back(complaint: Complaint, anchor: str = "") -> HttpResponse:
    response = redirect("complaints:complaint", complaint_id=complaint.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


# -- the inbox -------------------------------------------------------------------


@login_required
def inbox_view(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    form = InboxFilterForm(request.GET)
    filters = form.filters()
    sort = sort_from(request.GET.get("sort"), INBOX_SORTS, "-received")
    complaints = page_of(
        complaint_list(user=request.user, filters=filters, now=now, order=sort.order),
        request.GET.get("page"),
        settings.AMENDS_PAGE_SIZE,
    )
    rows = list(complaints.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    account_id = filters.account
    writable = {c.team_id for c in rows if user_can(request.user, WRITE, c.team_id)}
    context = {
        "form": form,
        "sort": sort,
        "complaints": complaints,
        "rows": rows,
        # Whom "assign" offers: who may answer the conversations this person may change.
        "bulk_people": teams_workers(team_ids=writable),
        "can_bulk": bool(writable),
        "writable_teams": writable,
        "query": query.urlencode(),
        "now": now,
        "suggested": accounts_suggested_for_parting(
            account_ids=[c.account_id for c in rows], now=now
        ),
        "counts": inbox_counts(user=request.user, now=now),
        "ack_hours": acknowledge_hours(),
        "feedback_pages": feedback_pages_for(request.user),
        # Named only when this person may see it (an id in the URL reveals nothing).
        "filtered_account": (
            account_visible_to(request.user).filter(pk=account_id).first() if account_id else None
        ),
        **page_parts("inbox", user=request.user),
    }
    template = "complaints/inbox.html#complaint_list" if request.htmx else "complaints/inbox.html"
    return render(request, template, context)


@login_required
@require_POST
def bulk_view(request: HttpRequest) -> HttpResponse:
    """One action on the conversations chosen in the inbox; back to the same list."""
    back = list_url(reverse("complaints:inbox"), request.POST.get("query", ""))
    ids = numbers(request.POST.getlist("ids"))[:500]
    if not ids:
        messages.error(request, _("Choose the conversations first."))
        return redirect(back)
    chosen = list(complaint_visible_to(request.user).filter(pk__in=ids))
    if len(chosen) != len(set(ids)):
        raise Http404("No such conversation.")
    action = request.POST.get("action", "")
    assignee = None
    if action == "assign" and request.POST.get("assignee"):
        chosen_id = next(iter(numbers([request.POST["assignee"]])), 0)
        assignee = User.objects.filter(pk=chosen_id, is_active=True).first()
        if assignee is None:
            messages.error(request, _("Choose whom to give them to."))
            return redirect(back)
    try:
        changed, left = complaints_bulk(
            actor=Actor.web(request), complaints=chosen, action=action, assignee=assignee
        )
    except PermissionDenied:
        raise
    except ValidationError as error:
        _refused(request, error)
        return redirect(back)
    if changed:
        messages.success(
            request,
            ngettext("%(count)d conversation done.", "%(count)d conversations done.", changed)
            % {"count": changed},
        )
    for complaint, reason in left:
        messages.warning(
            request,
            _("Left as it was: “%(what)s” (%(why)s)")
            % {"what": (complaint.subject or complaint.text)[:60], "why": reason},
        )
    return redirect(back)


# -- the complaint page ----------------------------------------------------------


def _complaint_context(request: HttpRequest, complaint: Complaint, **bound) -> dict:
    now = timezone.now()
    can_edit = user_can(request.user, WRITE, complaint.team_id)
    account_q = request.GET.get("account_q", "").strip()
    cases = open_cases_for_account(account_id=complaint.account_id or 0)
    suggested = accounts_suggested_for_parting(account_ids=[complaint.account_id], now=now)
    summary = (
        complaint_summary_for_account(account_id=complaint.account_id, now=now)
        if complaint.account_id
        else None  # no account: nothing to sum up
    )
    return {
        "complaint": complaint,
        "account": complaint.account,
        "now": now,
        "can_edit": can_edit,
        "suggest_parting": complaint.account_id in suggested,
        "summary": summary,
        "abuse_reports": abuse_reports_for_complaint(complaint=complaint),
        "events": complaint_events(complaint=complaint)[:50],
        "account_q": account_q,
        "candidates": (
            account_candidates(user=request.user, complaint=complaint, q=account_q)
            if can_edit and account_q
            else []
        ),
        "email_matches": (
            accounts_by_contact_email(complaint=complaint)
            if can_edit and not complaint.account_id
            else []
        ),
        "open_cases": list(cases) if complaint.account_id else [],
        "answer_form": bound.get("answer_form") or AnswerForm(initial={"answer": complaint.answer}),
        "flag_form": bound.get("flag_form")
        or FlagForm(
            initial={"flag": complaint.flag}, staff=team_members(team_id=complaint.team_id)
        ),
        "satisfaction_form": SatisfactionForm(),
        "case_open_form": CaseOpenForm(),
        "kinds": ConversationKind.choices,
        "workers": team_workers(team_id=complaint.team_id) if can_edit else [],
        # The apps above add their panels: the mail conversation, with its answer form.
        **page_parts("complaint_page", complaint=complaint, user=request.user, can_edit=can_edit),
    }


@login_required
def complaint_detail_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = complaint_get_for(user=request.user, complaint_id=complaint_id)
    context = _complaint_context(request, complaint)
    if request.htmx and "account_q" in request.GET:
        return render(request, "complaints/complaint.html#account_candidates", context)
    return render(request, "complaints/complaint.html", context)


def _writable(request: HttpRequest, complaint_id: int) -> Complaint:
    return complaint_get_for(user=request.user, complaint_id=complaint_id, action=WRITE)


@login_required
@require_POST
def acknowledge_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _writable(request, complaint_id)
    try:
        complaint_acknowledge(actor=Actor.web(request), complaint=complaint)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Acknowledged."))
    return _back(complaint)


@login_required
@require_POST
def assign_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _writable(request, complaint_id)
    chosen = request.POST.get("assignee", "")
    assignee = None
    if chosen:
        assignee = team_workers(team_id=complaint.team_id).filter(pk=chosen).first()
        if assignee is None:
            messages.error(request, _("Choose someone of the team who answers its conversations."))
            return _back(complaint, "handling")
    try:
        complaint_assign(actor=Actor.web(request), complaint=complaint, assignee=assignee)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Assigned."))
    return _back(complaint, "handling")


@login_required
@require_POST
def classify_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _writable(request, complaint_id)
    try:
        complaint_classify(
            actor=Actor.web(request), complaint=complaint, kind=request.POST.get("kind", "")
        )
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Classified."))
    return _back(complaint, "handling")


@login_required
@require_POST
def answer_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _writable(request, complaint_id)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            complaint_answer(
                actor=Actor.web(request), complaint=complaint, answer=form.cleaned_data["answer"]
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("Answer saved."))
            return _back(complaint, "answer")
    context = _complaint_context(request, complaint, answer_form=form)
    return render(request, "complaints/complaint.html", context, status=400)


@login_required
@require_POST
def account_link_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _writable(request, complaint_id)
    form = AccountLinkForm(request.POST)
    account = None
    if form.is_valid():
        account = Account.objects.filter(
            pk=form.cleaned_data["account"], team_id=complaint.team_id
        ).first()
    if account is None:
        messages.error(request, _("Choose one of this team's accounts."))
        return _back(complaint, "account")
    try:
        complaint_account_link(actor=Actor.web(request), complaint=complaint, account=account)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Linked to %(name)s.") % {"name": account.name})
    return _back(complaint, "account")


@login_required
@require_POST
def case_link_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _writable(request, complaint_id)
    form = CaseLinkForm(
        request.POST, cases=open_cases_for_account(account_id=complaint.account_id or 0)
    )
    if not form.is_valid():
        messages.error(request, _("Choose an open case of the complaint's account."))
        return _back(complaint, "case")
    try:
        complaint_case_link(
            actor=Actor.web(request), complaint=complaint, case=form.cleaned_data["case"]
        )
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Added to the case."))
    return _back(complaint, "case")


@login_required
@require_POST
def case_open_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _writable(request, complaint_id)
    form = CaseOpenForm(request.POST)
    if not form.is_valid():
        _form_refused(request, form)
        return _back(complaint, "case")
    try:
        case = complaint_case_open(
            actor=Actor.web(request), complaint=complaint, severity=form.cleaned_data["severity"]
        )
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
        return _back(complaint, "case")
    messages.success(request, _("Case opened from the complaint."))
    return redirect("recovery:case", case_id=case.pk)


@login_required
@require_POST
def resolve_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _writable(request, complaint_id)
    try:
        complaint_resolve(actor=Actor.web(request), complaint=complaint)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Resolved. Now ask them how satisfied they are."))
    return _back(complaint, "satisfaction")


@login_required
@require_POST
def satisfaction_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _writable(request, complaint_id)
    form = SatisfactionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose their answer, from 1 to 5."))
        return _back(complaint, "satisfaction")
    try:
        complaint_satisfaction_record(
            actor=Actor.web(request),
            complaint=complaint,
            score=form.cleaned_data["satisfaction"],
        )
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Their answer is recorded."))
    return _back(complaint, "satisfaction")


@login_required
@require_POST
def flag_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _writable(request, complaint_id)
    form = FlagForm(request.POST, staff=team_members(team_id=complaint.team_id))
    if form.is_valid():
        data = form.cleaned_data
        try:
            complaint_flag(
                actor=Actor.web(request),
                complaint=complaint,
                flag=data["flag"],
                staff=data["staff"],
                description=data["description"],
            )
        except ValidationError as error:
            errors_onto(form, error)
        except PermissionDenied as error:
            _refused(request, error)
            return _back(complaint, "flag")
        else:
            messages.success(request, _("Flag set.") if data["flag"] else _("Flag removed."))
            if data["flag"] == Flag.ABUSIVE:
                messages.success(request, _("Abuse report logged against the account."))
            return _back(complaint, "flag")
    context = _complaint_context(request, complaint, flag_form=form)
    return render(request, "complaints/complaint.html", context, status=400)


# -- the managers' feedback page buttons -----------------------------------------


def _page_of_team(request: HttpRequest, team_id: int) -> FeedbackPage:
    team = team_get_managed(user=request.user, team_id=team_id)
    page = FeedbackPage.objects.filter(team=team).first()
    if page is None:
        raise Http404("This team has no feedback page.")
    return page


def _to_inbox_pages() -> HttpResponse:
    response = redirect("complaints:inbox")
    response["Location"] += "#feedback-pages"
    return response


@login_required
@require_POST
def feedback_page_enable_view(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_get_managed(user=request.user, team_id=team_id)
    form = FeedbackPageForm(request.POST)
    if not form.is_valid():
        _form_refused(request, form)
        return _to_inbox_pages()
    try:
        feedback_page_enable(actor=Actor.web(request), team=team, intro=form.cleaned_data["intro"])
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("The feedback page of %(team)s is open.") % {"team": team})
    return _to_inbox_pages()


@login_required
@require_POST
def feedback_page_rotate_view(request: HttpRequest, team_id: int) -> HttpResponse:
    page = _page_of_team(request, team_id)
    try:
        feedback_page_rotate(actor=Actor.web(request), page=page)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("New link made. The old link no longer works."))
    return _to_inbox_pages()


@login_required
@require_POST
def feedback_page_disable_view(request: HttpRequest, team_id: int) -> HttpResponse:
    page = _page_of_team(request, team_id)
    try:
        feedback_page_disable(actor=Actor.web(request), page=page)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("The feedback page is closed."))
    return _to_inbox_pages()


# -- the public feedback page: no login ------------------------------------------


@require_http_methods(["GET", "POST"])
def feedback_view(request: HttpRequest, public_key: str) -> HttpResponse:
    page = feedback_page_get_public(public_key=public_key)
    form = FeedbackForm(request.POST or None)
    refusal = None
    if request.method == "POST":
        try:
            rate_limit_check(page, client_address(request))
            honeypot_check(request.POST.get(HONEYPOT, ""))
            form_token_check(page, request.POST.get("token", ""))
        except FeedbackRefused as refused:
            refusal = refused
        if refusal is None and form.is_valid():
            data = form.cleaned_data
            try:
                complaint_receive(
                    team=page.team,
                    channel=Channel.FEEDBACK_PAGE,
                    text=data["message"],
                    customer_name=data["name"],
                    customer_email=data["email"],
                    customer_company=data["company"],
                )
            except ValidationError as error:
                errors_onto(form, error, {"text": "message"})
            else:
                return redirect("complaints:feedback-thanks", public_key=page.public_key)
    # Whatever went wrong, they keep what they wrote, with a fresh token.
    context = {"page": page, "form": form, "token": form_token(page), "refusal": refusal}
    status = 200 if request.method == "GET" else (refusal.status if refusal else 400)
    return render(request, "complaints/feedback.html", context, status=status)


def feedback_thanks_view(request: HttpRequest, public_key: str) -> HttpResponse:
    page = feedback_page_get_public(public_key=public_key)
    return render(
        request,
        "complaints/thanks.html",
        {"page": page, "again": reverse("complaints:feedback", args=[page.public_key])},
    )
