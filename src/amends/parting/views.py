"""The parting page of a Playbook 4 case, its POST actions, and the page for letting
a customer go for abuse. Every action calls one service; a refusal comes back on the
form that caused it (status 400) or as a message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from amends.accounts.selectors import account_get_for
from amends.complaints.models import AbuseReport
from amends.core.forms import errors_onto
from amends.core.web import refusal_to_messages
from amends.customerpage.selectors import (
    customer_language,
    share_get_public,
    share_live_for,
    share_url,
)
from amends.parting.abuse import account_let_go_for_abuse
from amends.parting.closing import exit_feedback_record, exit_final_conversation, exit_plan_close
from amends.parting.conversation import conversation_record
from amends.parting.forms import (
    CloseForm,
    ConversationForm,
    DecisionForm,
    FeedbackForm,
    FinalConversationForm,
    ItemForm,
    LetGoForm,
    UpdateForm,
)
from amends.parting.models import ExitItem, ExitPlan
from amends.parting.selectors import exit_feedback_wanted, parting_case_get_for, parting_state
from amends.parting.services import (
    ExitItemInput,
    conversation_decide_continue,
    conversation_decide_part,
    exit_item_add,
    exit_item_done,
    exit_update_draft,
    exit_update_send,
)
from amends.people.access import WRITE, user_can, user_manages_team
from amends.people.selectors import team_members, team_workers
from amends.recovery.models import RecoveryCase
from amends.timeline.services import Actor


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user, via="web")


def _page(request: HttpRequest, case: RecoveryCase, status: int = 200, **forms) -> HttpResponse:
    now = timezone.now()
    state = parting_state(case=case, now=now)
    team_id = case.account.team_id
    workers = team_workers(team_id=team_id)
    can_edit = user_can(request.user, WRITE, team_id) and not case.is_closed
    plan = state.plan
    share = share_live_for(case=case) if plan else None
    context = {
        "case": case,
        "account": case.account,
        "state": state,
        "plan": plan,
        "can_edit": can_edit,
        "share_url": share_url(share) if share else "",
        "updates": list(case.updates.all()) if plan else [],
        "conversation_form": forms.get("conversation_form")
        or ConversationForm(members=team_members(team_id=team_id)),
        "decision_form": forms.get("decision_form")
        or DecisionForm(workers=workers, initial={"owner": case.owner_id}),
        "item_form": forms.get("item_form") or ItemForm(workers=workers),
        "update_form": forms.get("update_form")
        or UpdateForm(initial={"text": exit_update_draft(plan=plan, now=now)} if plan else None),
        "final_form": forms.get("final_form") or FinalConversationForm(),
        "feedback_form": forms.get("feedback_form") or FeedbackForm(),
        "close_form": forms.get("close_form") or CloseForm(),
        "now": now,
    }
    return render(request, "parting/parting.html", context, status=status)


def _back(case: RecoveryCase, anchor: str) -> HttpResponse:
    response = redirect("parting:case", case_id=case.pk)
    response["Location"] += f"#{anchor}"
    return response


def _writable(request: HttpRequest, case_id: int) -> RecoveryCase:
    return parting_case_get_for(user=request.user, case_id=case_id, action=WRITE)


def _plan_of(case: RecoveryCase) -> ExitPlan:
    plan = ExitPlan.objects.filter(case=case).first()
    if plan is None:
        raise Http404("This case has no exit plan.")
    return plan


@login_required
def parting_view(request: HttpRequest, case_id: int) -> HttpResponse:
    return _page(request, parting_case_get_for(user=request.user, case_id=case_id))


@login_required
@require_POST
def conversation_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable(request, case_id)
    form = ConversationForm(request.POST, members=team_members(team_id=case.account.team_id))
    if form.is_valid():
        try:
            conversation_record(actor=_actor(request), case=case, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(request, _("The crucial conversation is on record."))
            return _back(case, "decision")
    return _page(request, case, 400, conversation_form=form)


@login_required
@require_POST
def decide_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable(request, case_id)
    form = DecisionForm(request.POST, workers=team_workers(team_id=case.account.team_id))
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "continue":
                conversation_decide_continue(
                    actor=_actor(request),
                    case=case,
                    agreed=data["agreed"],
                    owner=data["owner"],
                    attentive_days=data["attentive_days"] or 60,
                    follow_up_every_days=data["follow_up_every_days"] or 14,
                )
                messages.success(request, _("Decided to continue. The follow-ups are on the case."))
            else:
                conversation_decide_part(
                    actor=_actor(request),
                    case=case,
                    end_on=data["end_on"],
                    owner=data["owner"],
                    items=form.items(),
                    update_every_days=data["update_every_days"] or 7,
                    note=data["note"],
                )
                messages.success(request, _("Decided to part. The exit plan is open."))
        except ValidationError as error:
            errors_onto(form, error, form.item_names)
        else:
            return _back(case, "plan")
    return _page(request, case, 400, decision_form=form)


@login_required
@require_POST
def item_add_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable(request, case_id)
    plan = _plan_of(case)
    form = ItemForm(request.POST, workers=team_workers(team_id=case.account.team_id))
    if form.is_valid():
        try:
            exit_item_add(actor=_actor(request), plan=plan, item=ExitItemInput(**form.cleaned_data))
        except ValidationError as error:
            errors_onto(form, error)
        else:
            return _back(case, "plan")
    return _page(request, case, 400, item_form=form)


@login_required
@require_POST
def item_done_view(request: HttpRequest, case_id: int, item_id: int) -> HttpResponse:
    case = _writable(request, case_id)
    item = ExitItem.objects.filter(pk=item_id, plan__case=case).first()
    if item is None:
        raise Http404("No such part of the exit plan.")
    try:
        exit_item_done(actor=_actor(request), item=item)
    except (ValidationError, PermissionDenied) as error:
        refusal_to_messages(request, error)
    return _back(case, "plan")


@login_required
@require_POST
def update_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable(request, case_id)
    plan = _plan_of(case)
    form = UpdateForm(request.POST)
    if form.is_valid():
        try:
            sent = exit_update_send(
                actor=_actor(request), plan=plan, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            errors_onto(form, error)
        else:
            failed = [m for m in sent.messages if m.state == "failed"]
            if failed:
                messages.error(
                    request,
                    _("The update is on their page, but the email to %(to)s failed: %(error)s")
                    % {"to": failed[0].recipient_email, "error": failed[0].error},
                )
            else:
                messages.success(
                    request,
                    _("Update posted on their page and emailed to %(count)s contact(s).")
                    % {"count": len(sent.messages)},
                )
            return _back(case, "updates")
    return _page(request, case, 400, update_form=form)


@login_required
@require_POST
def final_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable(request, case_id)
    plan = _plan_of(case)
    form = FinalConversationForm(request.POST)
    if form.is_valid():
        try:
            exit_final_conversation(
                actor=_actor(request), plan=plan, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            errors_onto(form, error)
        else:
            return _back(case, "close")
    return _page(request, case, 400, final_form=form)


@login_required
@require_POST
def feedback_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable(request, case_id)
    plan = _plan_of(case)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            exit_feedback_record(actor=_actor(request), plan=plan, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            return _back(case, "close")
    return _page(request, case, 400, feedback_form=form)


@login_required
@require_POST
def close_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable(request, case_id)
    plan = _plan_of(case)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            exit_plan_close(actor=_actor(request), plan=plan, note=form.cleaned_data["note"])
        except ValidationError as error:
            errors_onto(form, error, {"close": "__all__"})
        else:
            messages.success(request, _("The exit is closed. Thank you for parting well."))
            return _back(case, "close")
    return _page(request, case, 400, close_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def let_go_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = account_get_for(user=request.user, account_id=account_id, action=WRITE)
    if not user_manages_team(request.user, account.team_id):
        raise PermissionDenied(_("Only a manager of the account's team can let a customer go."))
    team_id = account.team_id
    reports = list(AbuseReport.objects.filter(account=account).select_related("staff"))
    form = LetGoForm(
        request.POST or None,
        members=team_members(team_id=team_id),
        workers=team_workers(team_id=team_id),
        initial={
            "protected_staff": sorted({r.staff_id for r in reports}),
            "owner": request.user.pk,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = account_let_go_for_abuse(
                actor=_actor(request),
                account=account,
                reason=form.cleaned_data["reason"],
                protected_staff=list(form.cleaned_data["protected_staff"]),
                end_on=form.cleaned_data["end_on"],
                owner=form.cleaned_data["owner"],
                items=form.items(),
            )
        except ValidationError as error:
            errors_onto(form, error, LetGoForm.NAMES)
        else:
            messages.success(request, _("The customer is being let go. The exit plan is open."))
            return _back(plan.case, "plan")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "parting/let_go.html",
        {"account": account, "form": form, "reports": reports},
        status=status,
    )


@never_cache
@require_POST
def customer_feedback_view(request: HttpRequest, key: str) -> HttpResponse:
    """The customer's own word on how we parted, from their page (no login: the
    page's secret link is the key)."""
    share = share_get_public(key=key)
    plan = exit_feedback_wanted(case=share.case)
    with translation.override(customer_language(share.case)):
        if plan is not None:
            form = FeedbackForm(request.POST)
            if form.is_valid():
                exit_feedback_record(
                    actor=Actor.system(), plan=plan, from_customer=True, **form.cleaned_data
                )
            else:
                messages.error(request, _("Choose a rating from 1 to 5."))
    response = redirect("customerpage:customer-page", key=key)
    response["Location"] += "#exit-feedback"
    response["Referrer-Policy"] = "same-origin"
    return response
