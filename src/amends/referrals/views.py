"""The referrals list, recording one (first the referrer, then the company it
referred), and removing one recorded by mistake. Each change calls a service."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from amends.accounts.models import Account
from amends.accounts.selectors import account_get_for, account_visible_to
from amends.core.forms import errors_onto
from amends.core.pagination import page_of
from amends.core.web import refusal_to_messages
from amends.people.access import WRITE, user_can, user_can_write_anywhere
from amends.referrals.forms import ReferralFilterForm, ReferralForm
from amends.referrals.selectors import (
    account_is_former_client,
    referral_get_for,
    referral_list,
    referred_candidates,
    referrer_candidates,
)
from amends.referrals.services import referral_delete, referral_record
from amends.timeline.services import Actor

BACK_TO_LIST = "list"


@login_required
def referral_list_view(request: HttpRequest) -> HttpResponse:
    form = ReferralFilterForm(request.GET)
    filters = form.filters()
    referrals = page_of(
        referral_list(user=request.user, filters=filters),
        request.GET.get("page"),
        settings.AMENDS_PAGE_SIZE,
    )
    rows = list(referrals.object_list)
    for referral in rows:
        referral.can_edit = user_can(request.user, WRITE, referral.team_id)
    query = request.GET.copy()
    query.pop("page", None)
    account_id = filters.account
    context = {
        "form": form,
        "referrals": referrals,
        "rows": rows,
        "query": query.urlencode(),
        "can_record": user_can_write_anywhere(request.user),
        "filtered_account": (
            account_visible_to(request.user).filter(pk=account_id).first() if account_id else None
        ),
    }
    template = "referrals/list.html#referral_list" if request.htmx else "referrals/list.html"
    return render(request, template, context)


def _referrer_step(request: HttpRequest) -> HttpResponse:
    """No referrer yet: find the account that gave the referral."""
    q = request.GET.get("q", "").strip()
    context = {
        "q": q,
        "candidates": referrer_candidates(user=request.user, q=q),
        "back": request.GET.get("back", ""),
    }
    if request.htmx and "q" in request.GET:
        return render(request, "referrals/form.html#referrer_candidates", context)
    return render(request, "referrals/form.html", context)


def _back(account: Account, back: str) -> HttpResponse:
    """To the list, or to the account the referral was recorded from."""
    if back == BACK_TO_LIST:
        return redirect("referrals:list")
    return redirect(reverse("accounts:detail", args=[account.pk]) + "#referrals")


@login_required
@require_http_methods(["GET", "POST"])
def referral_create_view(request: HttpRequest) -> HttpResponse:
    if not user_can_write_anywhere(request.user):
        raise PermissionDenied(_("You may look at referrals but not record them."))
    data = request.POST if request.method == "POST" else request.GET
    referrer_id = data.get("referrer", "")
    if not referrer_id.isdigit():
        return _referrer_step(request)
    referrer = account_get_for(user=request.user, account_id=int(referrer_id), action=WRITE)
    back = data.get("back", "")
    accounts = account_visible_to(request.user)
    if request.method == "POST":
        form = ReferralForm(request.POST, accounts=accounts)
        if form.is_valid():
            values = dict(form.cleaned_data)
            if values["referred_account"] is not None:
                # What was typed found the account; the referral takes the account's name.
                values["referred_name"] = ""
            try:
                referral_record(actor=Actor.web(request), referrer=referrer, **values)
            except ValidationError as error:
                errors_onto(form, error)
            else:
                messages.success(request, _("Referral recorded."))
                return _back(referrer, back)
    else:
        # A link may fill some of it in (?referred_name=…): keep what it gives.
        typed = {name: request.GET[name] for name in ReferralForm.base_fields if name in data}
        form = ReferralForm(initial=typed, accounts=accounts)
    typed_name = data.get("referred_name", "").strip()
    matches = referred_candidates(user=request.user, referrer=referrer, q=typed_name)
    chosen = form.cleaned_data.get("referred_account") if form.is_bound else None
    if chosen is not None and chosen not in matches:
        # Keep the choice on the page when the form comes back with an error.
        matches.insert(0, chosen)
    context = {
        "form": form,
        "referrer": referrer,
        "former_client": account_is_former_client(account=referrer),
        "back": back,
        "matches": matches,
        "chosen": chosen.pk if chosen is not None else None,
    }
    if request.htmx and request.method == "GET" and "referred_name" in request.GET:
        return render(request, "referrals/form.html#referred_candidates", context)
    return render(request, "referrals/form.html", context)


@login_required
@require_POST
def referral_delete_view(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = referral_get_for(user=request.user, referral_id=referral_id, action=WRITE)
    try:
        referral_delete(actor=Actor.web(request), referral=referral)
    except PermissionDenied as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("Referral removed."))
    return _back(referral.referrer, request.POST.get("back", ""))
