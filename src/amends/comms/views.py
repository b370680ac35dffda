"""Messages from the case and account pages: the composer with the apology coach,
sending exactly once with a confirmed resend, and the value summary of an account
(the templates' screens are in template_views.py). Each view
starts from the permission helper of its object; sending goes through
``message_send``, which refuses anyone who may not write for the account."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amends.accounts.models import Account
from amends.accounts.selectors import account_get_for
from amends.comms.forms import (
    CaseMessageForm,
    ComposeForm,
    MessageForm,
    ValueMessageForm,
    ValuePeriodForm,
)
from amends.comms.models import Message, MessageKind, MessageState
from amends.comms.rendering import (
    COACHED_KINDS,
    Draft,
    case_draft,
    case_message_key,
)
from amends.comms.services import Outgoing, SendResult, message_send
from amends.comms.template_views import author_name, coach_for, first_contact
from amends.comms.value import (
    value_draft,
    value_message_key,
    value_period_default,
    value_summary,
)
from amends.people.access import WRITE, user_can
from amends.recovery.models import RecoveryCase
from amends.recovery.selectors import case_get_for
from amends.timeline.services import Actor


def _refusals(error: ValidationError) -> list[str]:
    found = getattr(error, "message_dict", {"": error.messages})
    return [line for lines in found.values() for line in lines]


def _writable_case(request: HttpRequest, case_id: int) -> RecoveryCase:
    return case_get_for(user=request.user, case_id=case_id, action=WRITE)


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
        "coach": coach_for(
            message_form["body"].value() or "",
            kind,
            message_form["language"].value() or "",
            author_name(request),
        ),
    }


@login_required
@require_GET
def case_compose_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """The draft of a message from the case: made from the template of the chosen
    kind, in the contact's language (else the account's, else English)."""
    case = _writable_case(request, case_id)
    contact = first_contact(case.account)
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
    contact = first_contact(account)
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
    path("cases/<int:case_id>/messages/new/", case_compose_view, name="case-compose"),
    path("cases/<int:case_id>/messages/", case_send_view, name="case-send"),
    path(
        "cases/<int:case_id>/messages/<int:message_id>/again/",
        case_resend_view,
        name="case-resend",
    ),
    path("accounts/<int:account_id>/value-summary/", value_summary_view, name="value-summary"),
]
