"""The case page, My work, and the small POST endpoints behind the case page's
buttons. Each one calls a service; a refusal comes back as a message on the page."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from amends.accounts.selectors import account_get_for
from amends.core.pagination import page_of
from amends.core.parts import page_parts
from amends.core.shipped import shipped
from amends.core.sorting import sort_from
from amends.core.web import refusal_to_messages
from amends.people.access import WRITE, user_can
from amends.people.selectors import team_workers
from amends.recovery.forms import (
    RECORD_FORMS,
    CaseOpenForm,
    CloseForm,
    CommitmentForm,
    CommitmentResolveForm,
    ReasonForm,
)
from amends.recovery.models import (
    Channel,
    CommitmentStatus,
    Playbook,
    RecordKind,
    RecoveryCase,
    Requirement,
)
from amends.recovery.opening import case_open
from amends.recovery.ownership import case_owner_set
from amends.recovery.selectors import (
    CASE_SORTS,
    CASE_SORTS_NULLABLE,
    case_get_for,
    case_list_open,
    case_list_sorted,
    case_progress,
    commitment_is_late,
    my_work,
    step_missing,
    step_state,
)
from amends.recovery.services import (
    ESSENTIAL_STEPS,
    case_close,
    case_pause,
    case_resume,
    commitment_add,
    commitment_break,
    commitment_keep,
    commitment_renegotiate,
    record_add,
    step_complete,
    step_skip,
)
from amends.timeline.selectors import event_list_for_subject
from amends.timeline.services import Actor

# Which record a step's requirement asks for; the case page offers that form in the step.
REQUIREMENT_RECORDS = {
    Requirement.CONTACT: [RecordKind.CONTACT],
    Requirement.CONVERSATION: [RecordKind.CONVERSATION],
    Requirement.APOLOGY: [RecordKind.APOLOGY],
    Requirement.EXPLANATION: [RecordKind.EXPLANATION],
    Requirement.PREVENTIVE_CHANGE: [RecordKind.PREVENTIVE_CHANGE],
    Requirement.GESTURE: [RecordKind.GESTURE],
    Requirement.VALUE_REMINDER: [RecordKind.VALUE_REMINDER],
    Requirement.FOLLOW_UP_RELEASE: [RecordKind.FOLLOW_UP, RecordKind.SMALL_CHANCE],
    Requirement.DECISION: [RecordKind.DECISION],
}


_refused = refusal_to_messages


def _open_steps(case: RecoveryCase) -> dict[int, str]:
    return dict(case.steps.filter(done_at__isnull=True).values_list("pk", "title"))


def _say_steps_done(request: HttpRequest, case: RecoveryCase, before: dict[int, str]) -> None:
    """Record once: say which steps the record or promise just completed."""
    still_open = _open_steps(case)
    for pk, title in before.items():
        if pk not in still_open:
            messages.success(request, _("Step done: %(title)s") % {"title": shipped(title)})


def _writable_case(request: HttpRequest, case_id: int) -> RecoveryCase:
    return case_get_for(user=request.user, case_id=case_id, action=WRITE)


def _back(case: RecoveryCase, anchor: str = "") -> HttpResponse:
    response = redirect("recovery:case", case_id=case.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@login_required
def my_work_view(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    # My own cases by default; the team's (everything this person may see) on request.
    team = request.GET.get("scope") == "team"
    sort = sort_from(request.GET.get("sort"), CASE_SORTS, "urgency", nulls_last=CASE_SORTS_NULLABLE)
    open_cases = case_list_sorted(case_list_open(user=request.user), sort)
    if not team:
        open_cases = open_cases.filter(owner_id=request.user.pk)
    # As many as the account list shows (25 by default): with the late, due and
    # escalated lists above them, 50 rows were a fifth of the page's time.
    cases = page_of(open_cases, request.GET.get("page"), settings.AMENDS_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "query": query.urlencode(),
        "work": my_work(user=request.user, now=now),
        # Parting's progress updates due, and whatever else the apps above add.
        **page_parts("my_work", user=request.user, now=now),
        "cases": cases,
        "sort": sort,
        "team_scope": team,
        "progress": case_progress(list(cases.object_list), now=now),
        "now": now,
    }
    template = "recovery/my_work.html#open_cases" if request.htmx else "recovery/my_work.html"
    return render(request, template, context)


def _record_form(request: HttpRequest, case: RecoveryCase, kind: str, workers=None):
    initial = {"by": request.user.pk} if kind == RecordKind.APOLOGY else None
    if workers is None:
        workers = team_workers(team_id=case.account.team_id)
    return RECORD_FORMS[kind](workers=workers, initial=initial)


def _case_context(
    request: HttpRequest,
    case: RecoveryCase,
    *,
    open_kind: str = "",
    open_commitment: bool = False,
    **bound_forms,
) -> dict:
    now = timezone.now()
    can_edit = user_can(request.user, WRITE, case.account.team_id) and not case.is_closed
    workers = team_workers(team_id=case.account.team_id)
    records = list(case.records.select_related("by"))
    steps = list(case.steps.select_related("done_by", "step"))
    commitments = list(case.commitments.select_related("owner", "replaces"))

    def record_slot(kind: str) -> dict:
        """A kind of record the page offers. Its form is on the page when it must show
        at once (sent back with its errors, or asked for without JavaScript); else the
        form loads when its section is opened: a dozen forms rendered for nothing
        were some 40% of the page's time."""
        bound = bound_forms.get("record_form")
        if bound is not None and bound.kind == kind:
            form = bound
        elif kind == open_kind or kind in eager:
            form = _record_form(request, case, kind, workers)
        else:
            form = None
        if form is not None and kind in eager and request.htmx and bound is None:
            # After a record went in place, the next step's first field takes the focus.
            first = next(name for name in form.fields if name != "at")
            form.fields[first].widget.attrs["autofocus"] = True
        return {"kind": kind, "label": RecordKind(kind).label, "form": form}

    # Each kind of record is offered once (one form per kind keeps the page's ids
    # unique): in the first open step that asks for it, or else under "Record
    # something else". A finished step offers none. The current step (the first one
    # open) shows its forms open: recording there is what completes it.
    offered: set[str] = set()
    step_rows = []
    current = next((step for step in steps if step.done_at is None), None)
    eager: set[str] = set()
    for step in steps:
        step.case = case  # step_state reads the case's pause
        missing = step_missing(case, step, records=records, commitments=commitments)
        wanted = []
        if can_edit and step.done_at is None:
            wanted = [
                kind
                for need in step.requires
                for kind in REQUIREMENT_RECORDS.get(need, [])
                if kind not in offered
            ]
            offered.update(wanted)
            if step is current:
                # Two kinds can answer one need (a follow-up, a small chance): the first opens.
                eager.update(wanted[:1])
        step_rows.append(
            {
                "step": step,
                "state": step_state(step, now=now),
                "guidance": step.step.guidance if step.step_id else "",
                "needs": [
                    {
                        "label": Requirement(need).label,
                        "met": need not in missing,
                    }
                    for need in step.requires
                    if need in Requirement.values
                ],
                "record_slots": [record_slot(k) for k in wanted],
                "wants_commitment": Requirement.COMMITMENT in step.requires,
                "current": step is current,
                # Nothing more to record: "Mark done" (a step that asks for nothing).
                "ready": not missing,
                "open_commitments": (
                    [c for c in commitments if c.status == CommitmentStatus.OPEN]
                    if Requirement.COMMITMENTS_RESOLVED in step.requires
                    else []
                ),
            }
        )
    other_kinds = [kind for kind in sorted(RECORD_FORMS) if kind not in offered]
    commitment_here = bool(
        can_edit and current is not None and Requirement.COMMITMENT in current.requires
    )
    return {
        "case": case,
        "account": case.account,
        "steps": step_rows,
        "records": _record_rows(records),
        "commitments": commitments,
        "late_commitments": {c.pk for c in commitments if commitment_is_late(c, now=now)},
        "escalations": case.escalations.select_related("recipient", "step", "commitment"),
        "pauses": case.pauses.all(),
        "events": page_of(
            event_list_for_subject(
                account_id=case.account_id,
                subject_type=RecoveryCase._meta.label_lower,
                subject_id=case.pk,
            ),
            request.GET.get("events"),
            # A finished case's story is in its steps and records; its timeline's
            # latest ten, then "Older", keep its page short.
            10 if case.is_closed else 30,
        ),
        "can_edit": can_edit,
        "workers": workers if can_edit else [],
        # As a record's form: on the page when sent back or asked for, or when the
        # current step asks for a promise (it shows there); else loaded when opened.
        "commitment_form": bound_forms.get("commitment_form")
        or (
            CommitmentForm(workers=workers, initial={"owner": request.user.pk})
            if open_commitment or commitment_here
            else None
        ),
        "commitment_in_step": commitment_here,
        "close_form": bound_forms.get("close_form")
        or CloseForm(needs_confirm=_essential_skipped(steps)),
        "other_slots": [record_slot(k) for k in other_kinds] if can_edit else [],
        "unfinished": [row for row in step_rows if row["step"].done_at is None],
        "open_commitments": [c for c in commitments if c.status == CommitmentStatus.OPEN],
        "now": now,
        # The customer's page and its updates, from comms (an app above).
        **page_parts("case_page", case=case),
    }


# What a record sent from the composer holds beside its form's fields (comms).
EXTRA_LABELS = {
    "sent_as": gettext_lazy("Sent by e-mail"),
    "coach": gettext_lazy("The coach's reading (checks passed)"),
    "channel": gettext_lazy("How"),
}


def _record_rows(records) -> list[dict]:
    """Each record with its fields labelled as the form that made it labels them."""
    rows = []
    for record in records:
        fields = RECORD_FORMS[record.kind].base_fields if record.kind in RECORD_FORMS else {}
        items = []
        for name, value in record.data.items():
            if name in ("answers", "message") or value in ("", None):
                continue
            field = fields.get(name)
            if name == "channel" and value in Channel.values:
                value = Channel(value).label
            elif isinstance(field, forms.ChoiceField):
                value = dict(field.choices).get(value, value)
            elif isinstance(value, bool):
                value = _("yes") if value else _("no")
            items.append((field.label if field else EXTRA_LABELS.get(name, name), value))
        rows.append({"record": record, "items": items, "answers": record.data.get("answers", [])})
    return rows


@login_required
def case_detail_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_get_for(user=request.user, case_id=case_id)
    return render(request, "recovery/case.html", _case_context(request, case))


@login_required
@require_POST
def step_complete_view(request: HttpRequest, case_id: int, step_id: int) -> HttpResponse:
    case = _writable_case(request, case_id)
    step = case.steps.filter(pk=step_id).first()
    if step is None:
        raise Http404("No such step.")
    try:
        step_complete(actor=Actor.web(request), step=step)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Step done: %(title)s") % {"title": shipped(step.title)})
    return _back(case, f"step-{step.key}")


@login_required
@require_POST
def step_skip_view(request: HttpRequest, case_id: int, step_id: int) -> HttpResponse:
    case = _writable_case(request, case_id)
    step = case.steps.filter(pk=step_id).first()
    if step is None:
        raise Http404("No such step.")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why this step is skipped."))
        return _back(case, f"step-{step.key}")
    try:
        step_skip(actor=Actor.web(request), step=step, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Step skipped: %(title)s") % {"title": shipped(step.title)})
    return _back(case, f"step-{step.key}")


@login_required
@require_POST
def case_pause_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable_case(request, case_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what you are waiting for from the customer."))
        return _back(case)
    try:
        case_pause(actor=Actor.web(request), case=case, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Clock paused. Deadlines wait until you resume."))
    return _back(case)


@login_required
@require_POST
def case_owner_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable_case(request, case_id)
    owner = team_workers(team_id=case.account.team_id).filter(pk=request.POST.get("owner")).first()
    if owner is None:
        messages.error(request, _("Choose someone of the team who works on its cases."))
        return _back(case)
    try:
        case_owner_set(actor=Actor.web(request), case=case, owner=owner)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("%(name)s owns the case now.") % {"name": owner})
    return _back(case)


@login_required
@require_POST
def case_resume_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable_case(request, case_id)
    try:
        case_resume(actor=Actor.web(request), case=case)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Clock resumed; open deadlines moved by the time waited."))
    return _back(case)


@login_required
@require_http_methods(["GET", "POST"])
def record_add_view(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    """GET: the blank form, for the case page's section that was just opened (htmx),
    or the case page with that form open (without JavaScript). POST: record it."""
    case = _writable_case(request, case_id)
    if kind not in RECORD_FORMS:
        raise Http404("No such record kind.")
    if request.method == "GET":
        if case.is_closed:
            return _back(case)
        if request.htmx:
            form = _record_form(request, case, kind)
            return render(request, "recovery/record_form.html", {"case": case, "form": form})
        return render(request, "recovery/case.html", _case_context(request, case, open_kind=kind))
    workers = team_workers(team_id=case.account.team_id)
    form = RECORD_FORMS[kind](request.POST, workers=workers)
    if form.is_valid():
        before = _open_steps(case)
        try:
            record_add(
                actor=Actor.web(request),
                case=case,
                kind=kind,
                data=form.record_data(),
                by=form.cleaned_data.get("by"),
                at=form.cleaned_data.get("at"),
            )
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("%(kind)s recorded.") % {"kind": RecordKind(kind).label})
            _say_steps_done(request, case, before)
            return _back(case, "steps")
    context = _case_context(request, case, record_form=form)
    return render(request, "recovery/case.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def commitment_add_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """GET: the blank form, as for a record (see record_add_view). POST: add it."""
    case = _writable_case(request, case_id)
    if request.method == "GET":
        if case.is_closed:
            return _back(case)
        if request.htmx:
            workers = team_workers(team_id=case.account.team_id)
            form = CommitmentForm(workers=workers, initial={"owner": request.user.pk})
            context = {"case": case, "commitment_form": form}
            return render(request, "recovery/case.html#commitment_form", context)
        context = _case_context(request, case, open_commitment=True)
        return render(request, "recovery/case.html", context)
    form = CommitmentForm(request.POST, workers=team_workers(team_id=case.account.team_id))
    if form.is_valid():
        before = _open_steps(case)
        try:
            commitment_add(actor=Actor.web(request), case=case, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("Commitment added."))
            _say_steps_done(request, case, before)
            return _back(case, "commitments")
    context = _case_context(request, case, commitment_form=form)
    return render(request, "recovery/case.html", context, status=400)


@login_required
@require_POST
def commitment_resolve_view(request: HttpRequest, case_id: int, commitment_id: int) -> HttpResponse:
    case = _writable_case(request, case_id)
    commitment = case.commitments.filter(pk=commitment_id).first()
    if commitment is None:
        raise Http404("No such commitment.")
    form = CommitmentResolveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(case, "commitments")
    data, actor = form.cleaned_data, Actor.web(request)
    before = _open_steps(case)
    try:
        if data["action"] == "keep":
            commitment_keep(actor=actor, commitment=commitment)
        elif data["action"] == "break":
            commitment_break(actor=actor, commitment=commitment, reason=data["reason"])
        else:
            commitment_renegotiate(
                actor=actor, commitment=commitment, reason=data["reason"], due_at=data["due_at"]
            )
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Commitment updated."))
        _say_steps_done(request, case, before)
    return _back(case, "commitments")


def _essential_skipped(steps) -> bool:
    return any(s.key in ESSENTIAL_STEPS and s.skipped_reason for s in steps)


@login_required
@require_POST
def case_close_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable_case(request, case_id)
    form = CloseForm(request.POST, needs_confirm=_essential_skipped(list(case.steps.all())))
    if form.is_valid():
        try:
            case_close(
                actor=Actor.web(request),
                case=case,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                confirm_skipped=form.cleaned_data.get("confirm_skipped", False),
            )
        except ValidationError as error:
            if "confirm_skipped" not in getattr(error, "message_dict", {}):
                _refused(request, error)
                return _back(case)
            form.add_error("confirm_skipped", error.message_dict["confirm_skipped"])
            context = _case_context(request, case, close_form=form)
            return render(request, "recovery/case.html", context, status=400)
        except PermissionDenied as error:
            _refused(request, error)
        else:
            messages.success(request, _("Case closed."))
        return _back(case)
    context = _case_context(request, case, close_form=form)
    return render(request, "recovery/case.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def case_open_view(request: HttpRequest, account_id: int) -> HttpResponse:
    """A case without an incident: a cooling relationship, a complaint, a bad fit."""
    account = account_get_for(user=request.user, account_id=account_id, action=WRITE)
    # Links such as "suggested for parting" name the playbook to start from.
    chosen = Playbook.objects.filter(kind=request.GET.get("playbook", "")).first()
    form = CaseOpenForm(request.POST or None, initial={"playbook": chosen})
    if request.method == "POST" and form.is_valid():
        try:
            case = case_open(actor=Actor.web(request), account=account, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            _refused(request, error)
        else:
            messages.success(request, _("Case opened."))
            return redirect("recovery:case", case_id=case.pk)
    return render(request, "recovery/open.html", {"form": form, "account": account})
