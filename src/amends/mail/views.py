import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from amends.complaints.selectors import complaint_get_for
from amends.core.web import refusal_to_messages
from amends.mail.forms import AnswerByMailForm, MailboxForm
from amends.mail.imap import MailboxError, mailbox_test
from amends.mail.selectors import (
    attachment_get_for,
    mailbox_for,
    mailboxes_for,
    team_get_managed,
)
from amends.mail.services import conversation_answer, mailbox_save
from amends.people.access import WRITE
from amends.timeline.services import Actor


@login_required
@require_POST
def answer_view(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = complaint_get_for(user=request.user, complaint_id=complaint_id, action=WRITE)
    form = AnswerByMailForm(request.POST)
    back = redirect("complaints:complaint", complaint_id=complaint.pk)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return back
    try:
        conversation_answer(
            actor=Actor.web(request),
            complaint=complaint,
            text=form.cleaned_data["text"],
            draft=form.cleaned_data["draft"],
        )
    except (ValidationError, PermissionDenied) as error:
        refusal_to_messages(request, error)
    else:
        messages.success(request, _("Answer sent to %(to)s.") % {"to": complaint.customer_email})
    back["Location"] += "#mail"
    return back


@login_required
def attachment_view(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A file that came by mail: always downloaded, never shown in the page (a file
    from outside could hold a script), to the team's people only."""
    found = attachment_get_for(user=request.user, attachment_id=attachment_id)
    response = FileResponse(
        io.BytesIO(bytes(found.data)),
        as_attachment=True,
        filename=found.filename or "attachment",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def mailboxes_view(request: HttpRequest) -> HttpResponse:
    return render(request, "mail/mailboxes.html", {"rows": mailboxes_for(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def mailbox_view(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_get_managed(user=request.user, team_id=team_id)
    mailbox = mailbox_for(team_id=team.pk)
    form = MailboxForm(request.POST or None, instance=mailbox)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in MailboxForm.Meta.fields}
        password = form.cleaned_data["password"] or None
        try:
            mailbox_save(actor=Actor.web(request), team=team, password=password, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied as error:
            refusal_to_messages(request, error)
        else:
            messages.success(request, _("Mailbox saved."))
            return redirect("mail:mailbox", team_id=team.pk)
    status = 400 if form.errors else 200
    context = {"team": team, "mailbox": mailbox, "form": form}
    return render(request, "mail/mailbox.html", context, status=status)


@login_required
@require_POST
def mailbox_test_view(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_get_managed(user=request.user, team_id=team_id)
    mailbox = mailbox_for(team_id=team.pk)
    if mailbox is None or not mailbox.imap_host:
        messages.error(request, _("Save the IMAP server first."))
    else:
        try:
            messages.success(request, mailbox_test(mailbox))
        except MailboxError as error:
            messages.error(request, _("The mailbox cannot be read: %(why)s") % {"why": error})
    return redirect("mail:mailbox", team_id=team.pk)
