import sys

from django.core.management.base import BaseCommand, CommandError

from amends.accounts.csvio import accounts_export_rows, csv_lines
from amends.accounts.models import Account


class Command(BaseCommand):
    help = "Export as CSV: `amends export accounts [--output FILE]` (standard output by default)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["accounts"], help="what to export")
        parser.add_argument("--output", "-o", help="write to this file instead of standard output")

    def handle(self, *args, kind, output, **options):
        accounts = Account.objects.select_related("team", "owner").order_by("id").iterator(2000)
        lines = csv_lines(accounts_export_rows(accounts))
        if not output:
            sys.stdout.writelines(lines)
            return
        try:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.writelines(lines)
        except OSError as error:
            raise CommandError(f"{output}: {error.strerror}") from None
        self.stderr.write(f"Wrote {output}.")
