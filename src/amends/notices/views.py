"""Notices at scale, on the web: write one on the incident page with its list of
people, start it, watch it go (htmx polls the progress), pause and resume it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from amends.core.forms import errors_onto
from amends.core.sandbox import RenderError
from amends.notices.models import NoticeRun, NoticeState
from amends.notices.selectors import (
    notice_counts,
    notice_failures,
    notice_incident_get_for,
    notice_languages,
    notice_run_get_for,
    notice_runs_for,
)
from amends.notices.services import (
    MAX_RATE,
    RecipientsRejected,
    notice_recipients_import,
    notice_run_create,
    notice_run_pause,
    notice_run_resume,
    notice_run_retry_failed,
    notice_run_set_rate,
    notice_run_set_texts,
    notice_run_start,
)
from amends.notices.texts import Letters
from amends.people.access import WRITE, user_can
from amends.timeline.services import Actor

MAX_UPLOAD = 200 * 1024 * 1024
FILE_HELP = gettext_lazy(
    "UTF-8 CSV with a header line: email (required), name, language, and any other "
    "columns, which the texts use as {{ fields.column_name }}."
)
BODY_HELP = gettext_lazy(
    "Use {{ name }}, {{ email }} and {{ fields.column_name }}; "
    "{{ name|default:'colleague' }} when a name may be missing."
)


class TextForm(forms.Form):
    language = forms.CharField(label=gettext_lazy("Language"), max_length=16, initial="en")
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=300)
    body = forms.CharField(
        label=gettext_lazy("Letter"), widget=forms.Textarea(attrs={"rows": 8}), help_text=BODY_HELP
    )


class RecipientsForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("People to write to"), help_text=FILE_HELP)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload and upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        return upload


class NoticeForm(TextForm, RecipientsForm):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=200,
        help_text=gettext_lazy("For your team, e.g. “Corrected 2024 tax forms”."),
    )
    field_order = ["name", "language", "subject", "body", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].required = False


class RateForm(forms.Form):
    rate_per_second = forms.IntegerField(
        label=gettext_lazy("Messages per second"), min_value=1, max_value=MAX_RATE
    )


def _text_field(key: str) -> str:
    """texts.en.subject -> subject; texts.en -> language."""
    if key.startswith("texts.") and key.count(".") == 1:
        return "language"
    return key.rsplit(".", 1)[-1] if key.startswith("texts.") else key


def _apply_errors(form: forms.Form, error: ValidationError) -> None:
    errors_onto(form, error, _text_field)


def _texts(data: dict) -> dict:
    return {data["language"]: {"subject": data["subject"], "body": data["body"]}}


# -- an incident's notices ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def incident_notices_view(request: HttpRequest, incident_id: int) -> HttpResponse:
    """The incident's notices: a whole page, or for htmx the incident page's panel
    (``#notices``) or its polled list of runs (``#notice-runs``)."""
    incident = notice_incident_get_for(user=request.user, incident_id=incident_id)
    can_edit = user_can(request.user, WRITE, incident.team_id)
    form = NoticeForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("You may look at these notices but not send any."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():  # a bad file leaves no notice behind
                    run = notice_run_create(
                        actor=Actor.web(request),
                        incident=incident,
                        name=data["name"],
                        texts=_texts(data),
                    )
                    count = 0
                    if data["file"]:
                        count = notice_recipients_import(
                            actor=Actor.web(request), run=run, stream=data["file"]
                        )
            except RecipientsRejected as rejected:
                problems = rejected.problems
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Notice written, with %(count)s people to write to.") % {"count": count},
                )
                return redirect("notices:notice", run_id=run.pk)
    runs = notice_runs_for(incident=incident)
    context = {
        "incident": incident,
        "runs": runs,
        "polling": any(run.state == NoticeState.RUNNING for run, _counts in runs),
        "can_edit": can_edit,
        "form": form,
        "problems": problems,
    }
    if request.htmx and request.method == "GET":
        part = "runs" if request.headers.get("HX-Target") == "notice-runs" else "panel"
        return render(request, f"notices/notice_list.html#{part}", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "notices/notice_list.html", context, status=status)


# -- one run ------------------------------------------------------------------------


def _preview(run: NoticeRun) -> dict | None:
    first = run.recipients.order_by("line").first()
    if first is None or not run.texts:
        return None
    try:
        subject, body = Letters(run.texts_in_order()).render(
            email=first.email, name=first.name, language=first.language, fields=first.fields
        )
    except RenderError as error:
        return {"recipient": first, "error": str(error)}
    return {"recipient": first, "subject": subject, "body": body}


def _run_context(request: HttpRequest, run: NoticeRun, **extra) -> dict:
    counts = notice_counts([run.pk])[run.pk]
    return {
        "run": run,
        "incident": run.incident,
        "counts": counts,
        "polling": run.state == NoticeState.RUNNING or counts.sending > 0,
        "can_edit": user_can(request.user, WRITE, run.incident.team_id),
        "texts": [
            (code, text, n == 0) for n, (code, text) in enumerate(run.texts_in_order().items())
        ],
        "preview": _preview(run),
        "people_languages": notice_languages(run=run) if counts.total else [],
        "failures": notice_failures(run=run) if counts.failed else [],
        "text_form": extra.get("text_form") or TextForm(initial={"language": ""}),
        "upload_form": extra.get("upload_form") or RecipientsForm(),
        "rate_form": extra.get("rate_form")
        or RateForm(initial={"rate_per_second": run.rate_per_second}),
        "problems": extra.get("problems", []),
    }


@login_required
def notice_run_view(request: HttpRequest, run_id: int) -> HttpResponse:
    run = notice_run_get_for(user=request.user, run_id=run_id)
    if request.htmx:
        return render(request, "notices/notice_run.html#progress", _run_context(request, run))
    return render(request, "notices/notice_run.html", _run_context(request, run))


def _form_page(request: HttpRequest, run: NoticeRun, **extra) -> HttpResponse:
    return render(
        request, "notices/notice_run.html", _run_context(request, run, **extra), status=400
    )


@login_required
@require_POST
def notice_texts_view(request: HttpRequest, run_id: int) -> HttpResponse:
    """Add a language, or replace one language's text (a draft only)."""
    run = notice_run_get_for(user=request.user, run_id=run_id, action=WRITE)
    form = TextForm(request.POST)
    if form.is_valid():
        texts = run.texts_in_order()
        texts.update(_texts(form.cleaned_data))
        try:
            notice_run_set_texts(actor=Actor.web(request), run=run, texts=texts)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Text saved."))
            return redirect("notices:notice", run_id=run.pk)
    return _form_page(request, run, text_form=form)


@login_required
@require_POST
def notice_text_delete_view(request: HttpRequest, run_id: int, language: str) -> HttpResponse:
    run = notice_run_get_for(user=request.user, run_id=run_id, action=WRITE)
    texts = {code: text for code, text in run.texts_in_order().items() if code != language}
    try:
        notice_run_set_texts(actor=Actor.web(request), run=run, texts=texts)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Text removed."))
    return redirect("notices:notice", run_id=run.pk)


@login_required
@require_POST
def notice_recipients_view(request: HttpRequest, run_id: int) -> HttpResponse:
    run = notice_run_get_for(user=request.user, run_id=run_id, action=WRITE)
    form = RecipientsForm(request.POST, request.FILES)
    problems = []
    if form.is_valid():
        try:
            count = notice_recipients_import(
                actor=Actor.web(request), run=run, stream=form.cleaned_data["file"]
            )
        except RecipientsRejected as rejected:
            problems = rejected.problems
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("%(count)s people to write to.") % {"count": count})
            return redirect("notices:notice", run_id=run.pk)
    return _form_page(request, run, upload_form=form, problems=problems)


@login_required
@require_POST
def notice_rate_view(request: HttpRequest, run_id: int) -> HttpResponse:
    run = notice_run_get_for(user=request.user, run_id=run_id, action=WRITE)
    form = RateForm(request.POST)
    if not form.is_valid():
        return _form_page(request, run, rate_form=form)
    notice_run_set_rate(
        actor=Actor.web(request), run=run, rate_per_second=form.cleaned_data["rate_per_second"]
    )
    messages.success(request, _("Rate saved."))
    return redirect("notices:notice", run_id=run.pk)


ACTIONS = {
    "start": (notice_run_start, gettext_lazy("Sending started.")),
    "pause": (notice_run_pause, gettext_lazy("Paused: nothing more goes out until you resume.")),
    "resume": (notice_run_resume, gettext_lazy("Sending again.")),
    "retry": (notice_run_retry_failed, gettext_lazy("The failed ones will be tried again.")),
}


@login_required
@require_POST
def notice_action_view(request: HttpRequest, run_id: int, action: str) -> HttpResponse:
    run = notice_run_get_for(user=request.user, run_id=run_id, action=WRITE)
    service, done = ACTIONS[action]
    try:
        service(actor=Actor.web(request), run=run)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("notices:notice", run_id=run.pk)


urlpatterns = [
    path("incidents/<int:incident_id>/notices/", incident_notices_view, name="incident-notices"),
    path("notices/<int:run_id>/", notice_run_view, name="notice"),
    path("notices/<int:run_id>/texts/", notice_texts_view, name="notice-texts"),
    path(
        "notices/<int:run_id>/texts/<str:language>/delete/",
        notice_text_delete_view,
        name="notice-text-delete",
    ),
    path("notices/<int:run_id>/recipients/", notice_recipients_view, name="notice-recipients"),
    path("notices/<int:run_id>/rate/", notice_rate_view, name="notice-rate"),
    *(
        path(
            f"notices/<int:run_id>/{action}/",
            notice_action_view,
            {"action": action},
            name=f"notice-{action}",
        )
        for action in ACTIONS
    ),
]
