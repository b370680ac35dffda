import argparse
import json
import signal
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.db import transaction

from amends.core.progress import ProgressBar
from amends.incidents.models import Incident
from amends.notices.models import NoticeRun, NoticeState
from amends.notices.selectors import notice_counts, notice_failures
from amends.notices.sending import NoticeSendError, notice_run_send
from amends.notices.services import (
    RecipientsRejected,
    notice_recipients_import,
    notice_run_create,
    notice_run_pause,
    notice_run_resume,
    notice_run_retry_failed,
    notice_run_set_rate,
    notice_run_start,
)
from amends.timeline.models import Via
from amends.timeline.services import Actor

USAGE = """\
Notices to everyone an incident touched: one letter per person, in their language,
sent at a set rate. Write them on the incident's page, or here:

  amends notices create INCIDENT --name NAME --texts TEXTS.json [--recipients FILE.csv]
  amends notices upload RUN FILE.csv     replace a draft's list of people
  amends notices list [--incident ID]
  amends notices show RUN | status RUN   progress, failures, messages in doubt
  amends notices start RUN               start a draft: the workers (amends worker) send it
  amends notices send RUN [--rate N]     start a draft, then send it from here until done
  amends notices pause RUN | resume RUN | retry RUN

TEXTS.json is {"en": {"subject": "...", "body": "..."}, "pl": {...}}: the first
language is for everyone whose own has no text. The workers (amends worker) send
running notices, and several senders may share one. Stopping a sender, even
with kill -9, loses nobody and never sends anyone a different message: run it
again to go on. The one message a killed sender (or a broken connection) had in
hand may cross the wire twice, with the same Message-ID; `status` counts them."""


class _Formatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


class Command(BaseCommand):
    help = USAGE

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="notices, newest first, with their progress")
        listing.add_argument("--incident", type=int, help="only this incident's")
        show = sub.add_parser(
            "show", aliases=["status"], help="one notice: progress, failures, messages in doubt"
        )
        show.add_argument("run", type=int)
        create = sub.add_parser("create", help="write a notice (a draft)")
        create.add_argument("incident", type=int, help="the incident's id")
        create.add_argument("--name", required=True)
        create.add_argument("--texts", required=True, help="a JSON file of texts by language")
        create.add_argument("--recipients", help="a CSV file of the people to write to")
        create.add_argument("--rate", type=int, default=200, help="messages a second (200)")
        upload = sub.add_parser("upload", help="replace a draft's people with a CSV file's")
        upload.add_argument("run", type=int)
        upload.add_argument("file")
        send = sub.add_parser("send", help="start a draft and send it from here until done")
        send.add_argument("run", type=int)
        send.add_argument("--rate", type=int, help="change the notice's messages a second")
        for name, text in [
            ("start", "start a draft: the workers send it"),
            ("pause", "stop sending after the batch in hand"),
            ("resume", "send a paused notice again"),
            ("retry", "queue the recipients the mail server refused again"),
        ]:
            sub.add_parser(name, help=text).add_argument("run", type=int)

    def handle(self, *args, action, **options):
        self.actor = Actor(user=None, via=Via.CLI)
        try:
            getattr(self, f"handle_{'show' if action == 'status' else action}")(**options)
        except ValidationError as invalid:
            raise CommandError("; ".join(invalid.messages)) from None

    def _run(self, pk: int) -> NoticeRun:
        run = NoticeRun.objects.select_related("incident").filter(pk=pk).first()
        if run is None:
            raise CommandError(f"no notice {pk}")
        return run

    def _import(self, run: NoticeRun, file: str) -> int:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        with path.open("rb") as stream:
            try:
                return notice_recipients_import(actor=self.actor, run=run, stream=stream)
            except RecipientsRejected as rejected:
                for problem in rejected.problems:
                    self.stderr.write(f"{file}: {problem}")
                raise CommandError(f"{file}: {rejected}") from None

    def handle_create(self, *, incident, name, texts, recipients, rate, **options):
        chosen = Incident.objects.filter(pk=incident).first()
        if chosen is None:
            raise CommandError(f"no incident {incident}")
        try:
            words = json.loads(Path(texts).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"{texts}: {error}") from None
        with transaction.atomic():
            run = notice_run_create(
                actor=self.actor, incident=chosen, name=name, texts=words, rate_per_second=rate
            )
            count = self._import(run, recipients) if recipients else 0
        self.stdout.write(f"Notice {run.pk} written (a draft), {count} people to write to.")

    def handle_upload(self, *, run, file, **options):
        count = self._import(self._run(run), file)
        self.stdout.write(f"Notice {run}: {count} people to write to.")

    def handle_list(self, *, incident, **options):
        runs = NoticeRun.objects.all()
        if incident:
            runs = runs.filter(incident_id=incident)
        runs = list(runs[:200])
        counts = notice_counts(run.pk for run in runs)
        for run in runs:
            c = counts[run.pk]
            self.stdout.write(
                f"{run.pk}\t{run.state}\t{c.sent}/{c.total} sent\t{c.failed} failed\t"
                f"incident {run.incident_id}\t{run.name}"
            )

    def handle_show(self, *, run, **options):
        run = self._run(run)
        c = notice_counts([run.pk])[run.pk]
        lines = [
            f"Notice {run.pk}: {run.name}",
            f"Incident {run.incident_id}: {run.incident.title}",
            f"State: {run.state}, at most {run.rate_per_second} a second",
            f"Languages: {', '.join(run.texts_in_order())} (the first for everyone else)",
            f"People: {c.total}: {c.sent} sent, {c.pending} waiting, {c.sending} sending, "
            f"{c.failed} failed, {c.bounced} bounced (a delivery report came back)",
            f"In doubt: {c.in_doubt} may have been delivered twice, with the same Message-ID, "
            "after a sender stopped mid-send (a mail store that de-duplicates on it keeps one)",
        ]
        if run.started_at:
            lines.append(f"Started: {run.started_at:%Y-%m-%d %H:%M:%S %Z}")
        if run.finished_at:
            lines.append(f"Finished: {run.finished_at:%Y-%m-%d %H:%M:%S %Z}")
        for failed in notice_failures(run=run, limit=20):
            lines.append(f"  line {failed.line}: {failed.email}: {failed.error}")
        self.stdout.write("\n".join(lines))

    def handle_start(self, *, run, **options):
        notice_run_start(actor=self.actor, run=self._run(run))
        self.stdout.write(f"Notice {run} started: the workers (amends worker) send it.")

    def handle_pause(self, *, run, **options):
        notice_run_pause(actor=self.actor, run=self._run(run))
        self.stdout.write(f"Notice {run} paused: senders stop after the batch in hand.")

    def handle_resume(self, *, run, **options):
        notice_run_resume(actor=self.actor, run=self._run(run))
        self.stdout.write(f"Notice {run} resumed: the workers send it.")

    def handle_retry(self, *, run, **options):
        count = notice_run_retry_failed(actor=self.actor, run=self._run(run))
        self.stdout.write(f"Notice {run}: {count} to try again.")

    def handle_send(self, *, run, rate, **options):
        notice = self._run(run)
        if rate is not None:
            notice_run_set_rate(actor=self.actor, run=notice, rate_per_second=rate)
        if notice.state == NoticeState.DRAFT:
            notice_run_start(actor=self.actor, run=notice)
        elif notice.state == NoticeState.PAUSED:
            raise CommandError(f"notice {run} is paused: `amends notices resume {run}` first")
        stop = {"now": False}

        def request_stop(signum, frame):
            stop["now"] = True

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        bar = ProgressBar(f"notice {run}")
        started = time.monotonic()
        try:
            totals = notice_run_send(
                run_id=notice.pk,
                progress=lambda c: bar(c.finished, c.total),
                should_stop=lambda: stop["now"],
            )
        except NoticeSendError as error:
            raise CommandError(
                f"the mail server failed: {error}. Nobody is lost: run this again to go on."
            ) from None
        seconds = time.monotonic() - started
        c = notice_counts([notice.pk])[notice.pk]
        self.stdout.write(
            f"Notice {run}: this sender sent {totals.sent} in {seconds:.1f} s "
            f"({totals.sent / max(seconds, 1e-9):.0f}/s). All: {c.sent} sent, {c.failed} failed, "
            f"{c.pending + c.sending} to go; {totals.state or notice.state}."
        )
        if stop["now"]:
            raise CommandError("stopped; run this again to go on")
