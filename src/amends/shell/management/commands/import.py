from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from amends.accounts.csvio import ImportRejected, accounts_import
from amends.core.progress import ProgressBar
from amends.people.models import User
from amends.timeline.models import Via
from amends.timeline.services import Actor


class Command(BaseCommand):
    help = (
        "Import a CSV file: `amends import accounts FILE` or `amends import signals FILE`. "
        "All or nothing; safe to repeat."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["accounts", "signals"], help="what the file holds")
        parser.add_argument("file", help="path to a UTF-8 CSV file, or - for standard input")
        parser.add_argument(
            "--user", help="import as this user (their team rights apply); default: the system"
        )
        parser.add_argument(
            "--source", default="", help="signals only: the source of rows that name none (csv)"
        )

    def handle(self, *args, kind, file, user, source, **options):
        actor = Actor(user=None, via=Via.CLI)
        if user:
            person = User.objects.filter(username=user, is_active=True).first()
            if person is None:
                raise CommandError(f"no active user named {user!r}")
            actor = Actor(user=person, via=Via.CLI)
        if kind == "signals":
            from amends.signals.csvio import signals_import_command

            return signals_import_command(self, actor=actor, file=file, source=source)
        if source:
            raise CommandError("--source is for signals only")
        if file == "-":
            data = self.stdin_bytes()
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"{file}: no such file")
            data = path.read_bytes()
        try:
            result = accounts_import(actor=actor, data=data, progress=ProgressBar("importing"))
        except ImportRejected as rejected:
            for problem in rejected.problems:
                self.stderr.write(f"{file}: {problem}")
            raise CommandError(f"{file}: {rejected}") from None
        self.stdout.write(
            f"{result.rows} rows: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged."
        )

    def stdin_bytes(self) -> bytes:
        import sys

        return sys.stdin.buffer.read()
