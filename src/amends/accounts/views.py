from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from amends.accounts.csvio import ImportRejected, accounts_export_rows, accounts_import, csv_lines
from amends.accounts.forms import AccountFilterForm, AccountForm, ContactForm, ImportForm
from amends.accounts.selectors import (
    ACCOUNT_SORTS,
    ACCOUNT_SORTS_NULLABLE,
    AccountFilters,
    account_count,
    account_get_for,
    account_list,
    account_rows,
    account_visible_to,
    contact_get_for,
    contact_list_for_account,
)
from amends.accounts.services import (
    account_create,
    account_update,
    accounts_owner_set,
    contact_create,
    contact_delete,
    contact_update,
)
from amends.core.forms import errors_onto
from amends.core.pagination import page_of
from amends.core.parts import page_parts
from amends.core.sorting import sort_from
from amends.core.web import list_url, numbers, refusal_to_messages
from amends.people.access import WRITE, user_can, user_can_write_anywhere, user_manages_team
from amends.people.models import User
from amends.people.selectors import teams_workers
from amends.timeline.selectors import event_list_for_account
from amends.timeline.services import Actor


def _filters(request: HttpRequest) -> tuple[AccountFilterForm, AccountFilters]:
    form = AccountFilterForm(request.GET)
    if not form.is_valid():
        return form, AccountFilters()
    return form, AccountFilters(**form.cleaned_data)


@login_required
def account_list_view(request: HttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    sort = sort_from(
        request.GET.get("sort"), ACCOUNT_SORTS, "name", nulls_last=ACCOUNT_SORTS_NULLABLE
    )
    # Page through the ids alone (an index holds them in order), then read the page's
    # rows: a deep page does not join team, owner and health for every row it skips.
    listed = account_list(user=request.user, filters=filters, order=sort.order)
    ids = listed.values_list("pk", flat=True)
    paginator = Paginator(ids, settings.AMENDS_PAGE_SIZE)
    paginator.count = account_count(user=request.user, filters=filters)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = account_rows(ids=list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    writable = {a.team_id for a in page.object_list if user_can(request.user, WRITE, a.team_id)}
    context = {
        "form": form,
        "sort": sort,
        "page": page,
        "query": query.urlencode(),
        "can_create": user_can_write_anywhere(request.user),
        "can_bulk": bool(writable),
        "writable_teams": writable,
        "bulk_owners": teams_workers(team_ids=writable),
    }
    if request.htmx:
        return render(request, "accounts/list.html#results", context)
    # Above the filters, for every account the user can see: the full page only.
    context.update(page_parts("account_list", user=request.user, team=filters.team))
    return render(request, "accounts/list.html", context)


@login_required
def account_detail_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = account_get_for(user=request.user, account_id=account_id)
    events = page_of(event_list_for_account(account_id=account.pk), request.GET.get("events"), 20)
    context = {
        "account": account,
        "contacts": contact_list_for_account(account=account),
        "events": events,
        "can_edit": user_can(request.user, WRITE, account.team_id),
        "can_manage": user_manages_team(request.user, account.team_id),
        # Health, cases, referrals: panels of the apps above, which register them.
        **page_parts("account_page", account=account, user=request.user),
    }
    template = "accounts/detail.html#timeline" if request.htmx else "accounts/detail.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def account_create_view(request: HttpRequest) -> HttpResponse:
    if not user_can_write_anywhere(request.user):
        raise PermissionDenied(_("You may look at accounts but not add them."))
    form = AccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        team = data.pop("team")
        try:
            account = account_create(actor=Actor.web(request), team=team, **data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(request, _("Account created."))
            return redirect("accounts:detail", account_id=account.pk)
    return render(request, "accounts/form.html", {"form": form, "account": None})


@login_required
@require_http_methods(["GET", "POST"])
def account_edit_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = account_get_for(user=request.user, account_id=account_id, action=WRITE)
    form = AccountForm(request.POST or None, instance=account, user=request.user)
    if request.method == "POST" and form.is_valid():
        # The form already copied the values onto the instance: start again from the row.
        fresh = account_get_for(user=request.user, account_id=account_id, action=WRITE)
        try:
            account_update(actor=Actor.web(request), account=fresh, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(request, _("Account saved."))
            return redirect("accounts:detail", account_id=account_id)
    return render(request, "accounts/form.html", {"form": form, "account": account})


@login_required
@require_http_methods(["GET", "POST"])
def contact_create_view(request: HttpRequest, account_id: int) -> HttpResponse:
    account = account_get_for(user=request.user, account_id=account_id, action=WRITE)
    form = ContactForm(request.POST or None, initial={"language": account.language})
    if request.method == "POST" and form.is_valid():
        try:
            contact_create(actor=Actor.web(request), account=account, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(request, _("Contact added."))
            return redirect("accounts:detail", account_id=account.pk)
    return render(request, "accounts/contact_form.html", {"form": form, "account": account})


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit_view(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = contact_get_for(user=request.user, contact_id=contact_id, action=WRITE)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        fresh = contact_get_for(user=request.user, contact_id=contact_id, action=WRITE)
        try:
            contact_update(actor=Actor.web(request), contact=fresh, **form.cleaned_data)
        except ValidationError as error:
            errors_onto(form, error)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("accounts:detail", account_id=contact.account_id)
    context = {"form": form, "account": contact.account, "contact": contact}
    return render(request, "accounts/contact_form.html", context)


@login_required
@require_POST
def contact_delete_view(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = contact_get_for(user=request.user, contact_id=contact_id, action=WRITE)
    contact_delete(actor=Actor.web(request), contact=contact)
    messages.success(request, _("Contact removed."))
    return redirect("accounts:detail", account_id=contact.account_id)


@login_required
@require_http_methods(["GET", "POST"])
def account_import_view(request: HttpRequest) -> HttpResponse:
    if not user_can_write_anywhere(request.user):
        raise PermissionDenied(_("You may look at accounts but not import them."))
    form = ImportForm(request.POST or None, request.FILES or None)
    problems, result = [], None
    if request.method == "POST" and form.is_valid():
        try:
            result = accounts_import(
                actor=Actor.web(request), data=form.cleaned_data["file"].read()
            )
        except ImportRejected as rejected:
            problems = rejected.problems
    context = {"form": form, "problems": problems, "result": result}
    return render(request, "accounts/import.html", context, status=400 if problems else 200)


def _chosen(request: HttpRequest) -> list[int]:
    return numbers(request.POST.getlist("ids"))[:1000]


@login_required
@require_POST
def account_bulk_view(request: HttpRequest) -> HttpResponse:
    """The accounts chosen in the list: give them to a new owner, or download them."""
    back = list_url(reverse("accounts:list"), request.POST.get("query", ""))
    ids = _chosen(request)
    if not ids:
        messages.error(request, _("Choose the accounts first."))
        return redirect(back)
    if request.POST.get("action") == "export":
        visible = account_list(user=request.user, filters=AccountFilters()).filter(pk__in=ids)
        if visible.count() != len(set(ids)):
            raise Http404("No such account.")
        return _csv_response(visible.iterator(chunk_size=2000))
    accounts = list(account_visible_to(request.user).select_related("team").filter(pk__in=ids))
    if len(accounts) != len(set(ids)):
        raise Http404("No such account.")
    owner_id = next(iter(numbers([request.POST.get("owner", "")])), 0)
    owner = User.objects.filter(pk=owner_id, is_active=True).first()
    if owner is None:
        messages.error(request, _("Choose whom to give them to."))
        return redirect(back)
    try:
        changed = accounts_owner_set(actor=Actor.web(request), accounts=accounts, owner=owner)
    except ValidationError as error:
        refusal_to_messages(request, error)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d account given to %(name)s.",
                "%(count)d accounts given to %(name)s.",
                changed,
            )
            % {"count": changed, "name": owner},
        )
        if changed < len(accounts):
            messages.info(
                request,
                ngettext(
                    "%(count)d was %(name)s's already.",
                    "%(count)d were %(name)s's already.",
                    len(accounts) - changed,
                )
                % {"count": len(accounts) - changed, "name": owner},
            )
    return redirect(back)


def _csv_response(accounts) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_lines(accounts_export_rows(accounts)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="amends-accounts-{stamp}.csv"'
    return response


@login_required
def account_export_view(request: HttpRequest) -> StreamingHttpResponse:
    _, filters = _filters(request)
    accounts = account_list(user=request.user, filters=filters).iterator(chunk_size=2000)
    return _csv_response(accounts)
