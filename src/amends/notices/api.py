"""Notices at scale, over the API: write a run, upload its people as CSV, start,
pause, resume, and read its progress. The same services as the web pages."""

from datetime import datetime

from django.db import transaction
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from amends.core.api import ERRORS, ErrorItem
from amends.core.pagination import page_of
from amends.notices.models import NoticeRun, RecipientState
from amends.notices.selectors import (
    notice_counts,
    notice_incident_get_for,
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
from amends.people.access import WRITE
from amends.timeline.services import Actor

router = Router(tags=["notices"])


class TextIn(Schema):
    subject: str
    body: str


class CountsOut(Schema):
    pending: int
    sending: int
    sent: int
    failed: int
    total: int
    in_doubt: int = Field(
        description="messages that may have been delivered twice, with the same Message-ID: "
        "a sender stopped, or its connection broke, after the mail server may have accepted "
        "one and before it was recorded sent. Not a state: already in the other counts"
    )
    bounced: int = Field(
        0, description="letters sent whose delivery report came back: the address failed"
    )


class RunOut(Schema):
    id: int
    incident_id: int
    name: str
    state: str
    texts: dict[str, TextIn] = Field(description="by language; the first is the fallback")
    rate_per_second: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    counts: CountsOut


class RunIn(Schema):
    name: str
    texts: dict[str, TextIn] = Field(description="by language; the first is the fallback")
    rate_per_second: int = Field(200, ge=1, le=MAX_RATE)


class TextsIn(Schema):
    texts: dict[str, TextIn] = Field(description="by language; the first is the fallback")


class RunPatch(Schema):
    rate_per_second: int = Field(ge=1, le=MAX_RATE)


class ProblemItem(ErrorItem):
    # A request refused before the CSV is read (no file at all) has no line to name.
    line: int | None = Field(None, description="the CSV line the problem is on")


class RejectedOut(Schema):
    message: str
    errors: list[ProblemItem]


class UploadOut(Schema):
    recipients: int


class RecipientOut(Schema):
    line: int
    email: str
    name: str
    language: str
    state: str
    attempts: int
    sent_at: datetime | None
    error: str
    in_doubt: int = Field(
        description="times this recipient's message may have crossed the wire once more"
    )


class RecipientPage(Schema):
    items: list[RecipientOut]
    count: int
    page: int
    pages: int


class RecipientQuery(Schema):
    state: RecipientState | None = None
    page: int = Field(1, ge=1)


def _out(run: NoticeRun) -> dict:
    counts = notice_counts([run.pk])[run.pk]
    return {**_fields(run), "counts": {**counts.__dict__, "total": counts.total}}


def _fields(run: NoticeRun) -> dict:
    names = ["id", "incident_id", "name", "state", "texts", "rate_per_second"]
    times = ["created_at", "started_at", "finished_at"]
    return {**{name: getattr(run, name) for name in names + times}, "texts": run.texts_in_order()}


def _texts(texts: dict[str, TextIn]) -> dict:
    return {code: text.dict() for code, text in texts.items()}


@router.get("/incidents/{incident_id}/notices", response={200: list[RunOut], **ERRORS})
def list_notices(request, incident_id: int):
    incident = notice_incident_get_for(user=request.user, incident_id=incident_id)
    return [
        {**_fields(run), "counts": {**counts.__dict__, "total": counts.total}}
        for run, counts in notice_runs_for(incident=incident)
    ]


@router.post(
    "/incidents/{incident_id}/notices",
    response={201: RunOut, **ERRORS},
    summary="Write a notice to everyone an incident touched",
)
def create_notice(request, incident_id: int, payload: RunIn):
    incident = notice_incident_get_for(user=request.user, incident_id=incident_id, action=WRITE)
    run = notice_run_create(
        actor=Actor.api(request),
        incident=incident,
        name=payload.name,
        texts=_texts(payload.texts),
        rate_per_second=payload.rate_per_second,
    )
    return Status(201, _out(run))


@router.get("/notices/{run_id}", response={200: RunOut, **ERRORS})
def read_notice(request, run_id: int):
    return _out(notice_run_get_for(user=request.user, run_id=run_id))


@router.patch("/notices/{run_id}", response={200: RunOut, **ERRORS})
def update_notice(request, run_id: int, payload: RunPatch):
    run = notice_run_get_for(user=request.user, run_id=run_id, action=WRITE)
    notice_run_set_rate(actor=Actor.api(request), run=run, rate_per_second=payload.rate_per_second)
    return _out(run)


@router.put("/notices/{run_id}/texts", response={200: RunOut, **ERRORS})
def replace_texts(request, run_id: int, payload: TextsIn):
    run = notice_run_get_for(user=request.user, run_id=run_id, action=WRITE)
    notice_run_set_texts(actor=Actor.api(request), run=run, texts=_texts(payload.texts))
    return _out(run)


@router.post(
    "/notices/{run_id}/recipients",
    response={200: UploadOut, 422: RejectedOut, **{k: v for k, v in ERRORS.items() if k != 422}},
    summary="Upload the people to write to (CSV); all or nothing",
)
def upload_recipients(request, run_id: int, file: File[UploadedFile]):
    run = notice_run_get_for(user=request.user, run_id=run_id, action=WRITE)
    try:
        with transaction.atomic():
            count = notice_recipients_import(actor=Actor.api(request), run=run, stream=file)
    except RecipientsRejected as rejected:
        problems = [
            {"field": p.column, "line": p.line, "message": p.message} for p in rejected.problems
        ]
        return Status(422, {"message": f"{rejected}.", "errors": problems})
    return {"recipients": count}


@router.get("/notices/{run_id}/recipients", response={200: RecipientPage, **ERRORS})
def list_recipients(request, run_id: int, query: Query[RecipientQuery]):
    run = notice_run_get_for(user=request.user, run_id=run_id)
    recipients = run.recipients.order_by("line")
    if query.state:
        recipients = recipients.filter(state=query.state)
    page = page_of(recipients, query.page, 100)
    return {
        "items": list(page.object_list),
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
    }


def _action(service):
    def act(request, run_id: int):
        run = notice_run_get_for(user=request.user, run_id=run_id, action=WRITE)
        service(actor=Actor.api(request), run=run)
        run.refresh_from_db()
        return _out(run)

    return act


for _name, _service, _summary in [
    ("start", notice_run_start, "Start sending: the words and the list are fixed from now on"),
    ("pause", notice_run_pause, "Pause: senders stop after the batch in hand"),
    ("resume", notice_run_resume, "Resume a paused notice"),
    ("retry", notice_run_retry_failed, "Queue the failed recipients again"),
]:
    router.post(
        f"/notices/{{run_id}}/{_name}",
        response={200: RunOut, **ERRORS},
        summary=_summary,
        operation_id=f"notice_{_name}",
    )(_action(_service))
