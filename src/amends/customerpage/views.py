"""The customer's page (public, by secret link), the case page's buttons that
share, revoke and post updates, and calendar downloads (.ics) for the case page."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from amends.core.parts import page_parts
from amends.core.web import refusal_to_messages
from amends.customerpage.ics import (
    CalendarEvent,
    commitment_event,
    follow_up_event,
    ics_calendar,
    step_event,
)
from amends.customerpage.selectors import customer_language, customer_plan, share_get_public
from amends.customerpage.services import case_share_create, case_share_revoke, case_update_post
from amends.people.access import WRITE
from amends.recovery.models import RecoveryCase
from amends.recovery.selectors import case_get_for
from amends.timeline.services import Actor

FOLLOW_UP_MINUTES = (15, 30, 45, 60, 90, 120)


_refused = refusal_to_messages


def _writable_case(request: HttpRequest, case_id: int) -> RecoveryCase:
    return case_get_for(user=request.user, case_id=case_id, action=WRITE)


def _back(case: RecoveryCase) -> HttpResponse:
    response = redirect("recovery:case", case_id=case.pk)
    response["Location"] += "#customer-page"
    return response


# -- the team's buttons ------------------------------------------------------------


@login_required
@require_POST
def share_create_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable_case(request, case_id)
    try:
        made = case_share_create(actor=Actor.web(request), case=case)[1]
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        if made:
            messages.success(request, _("Link made. Copy it and send it to the customer."))
        else:
            messages.info(request, _("This case already has a live link."))
    return _back(case)


@login_required
@require_POST
def share_revoke_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable_case(request, case_id)
    try:
        revoked = case_share_revoke(actor=Actor.web(request), case=case)
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        if revoked is None:
            messages.info(request, _("There was no live link to revoke."))
        else:
            messages.success(request, _("Link revoked: it no longer opens the page."))
    return _back(case)


@login_required
@require_POST
def update_post_view(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _writable_case(request, case_id)
    try:
        case_update_post(actor=Actor.web(request), case=case, text=request.POST.get("text", ""))
    except (ValidationError, PermissionDenied) as error:
        _refused(request, error)
    else:
        messages.success(request, _("Update posted on the customer's page."))
    return _back(case)


# -- the customer's page: no login --------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    # The key is the only secret: keep it out of search engines and other sites' logs.
    response["X-Robots-Tag"] = "noindex, nofollow"
    # "same-origin" rather than "no-referrer": the exit-feedback form on the page must
    # send an Origin the CSRF check can trust; other sites still learn nothing.
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_GET
def customer_page_view(request: HttpRequest, key: str) -> HttpResponse:
    try:
        share = share_get_public(key=key)
    except Http404:
        return _private(render(request, "customerpage/customer_gone.html", status=404))
    language = customer_language(share.case)
    with translation.override(language):
        plan = customer_plan(case=share.case)
        context = {
            "plan": plan,
            "key": key,
            # The exit plan and its feedback form, from parting (the app above).
            **page_parts("customer_page", case=share.case),
        }
        response = render(request, "customerpage/customer_page.html", context)
    response["Content-Language"] = language
    return _private(response)


# -- calendar downloads ------------------------------------------------------------


def _ics(events: list[CalendarEvent], filename: str) -> HttpResponse:
    response = HttpResponse(
        ics_calendar(events).encode("utf-8"),
        content_type="text/calendar; charset=utf-8; method=PUBLISH",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def commitment_ics_view(request: HttpRequest, case_id: int, commitment_id: int) -> HttpResponse:
    case = case_get_for(user=request.user, case_id=case_id)
    commitment = case.commitments.filter(pk=commitment_id).first()
    if commitment is None:
        raise Http404("No such commitment.")
    commitment.case = case
    return _ics([commitment_event(commitment)], f"commitment-{commitment.pk}.ics")


@login_required
@require_GET
def step_ics_view(request: HttpRequest, case_id: int, step_id: int) -> HttpResponse:
    case = case_get_for(user=request.user, case_id=case_id)
    step = case.steps.filter(pk=step_id).first()
    if step is None:
        raise Http404("No such step.")
    step.case = case
    return _ics([step_event(step)], f"step-{step.pk}.ics")


def _follow_up_start(request: HttpRequest) -> datetime | None:
    raw = request.GET.get("at", "")
    try:
        start = datetime.strptime(raw, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return timezone.make_aware(start, timezone.get_current_timezone())


@login_required
@require_GET
def follow_up_ics_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """A planned follow-up meeting as an invite. Nothing is stored: it is a
    download; the meeting itself is recorded on the case once it has happened."""
    case = case_get_for(user=request.user, case_id=case_id)
    start = _follow_up_start(request)
    try:
        minutes = int(request.GET.get("minutes", "30"))
    except ValueError:
        minutes = 0
    if start is None or minutes not in FOLLOW_UP_MINUTES:
        messages.error(request, _("Choose when the follow-up meeting starts and how long it is."))
        return _back(case)
    event = follow_up_event(case, start=start, minutes=minutes)
    return _ics([event], f"follow-up-{case.pk}-{start:%Y%m%d-%H%M}.ics")


urlpatterns = [
    path("c/<str:key>/", customer_page_view, name="customer-page"),
    path("cases/<int:case_id>/share/", share_create_view, name="share-create"),
    path("cases/<int:case_id>/share/revoke/", share_revoke_view, name="share-revoke"),
    path("cases/<int:case_id>/updates/", update_post_view, name="share-update"),
    path(
        "cases/<int:case_id>/commitments/<int:commitment_id>/calendar.ics",
        commitment_ics_view,
        name="ics-commitment",
    ),
    path("cases/<int:case_id>/steps/<int:step_id>/calendar.ics", step_ics_view, name="ics-step"),
    path("cases/<int:case_id>/follow-up.ics", follow_up_ics_view, name="ics-follow-up"),
]
