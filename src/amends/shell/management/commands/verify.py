from django.core.management.base import BaseCommand, CommandError

from amends.health.rollups import (
    account_marks_differing,
    account_marks_rewrite,
    health_days_check,
    health_days_rebuild,
)
from amends.recovery.opening import cases_follow_accounts, cases_team_differing
from amends.search.documents import index_differing, index_repair


def _some(items: list, shown: int = 10) -> str:
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(str(item) for item in items[:shown]) + more


class Command(BaseCommand):
    help = (
        "Check what Amends keeps copied or summed for speed against where it comes from: "
        "each case's team (its account's), each account's health band and segment (its "
        "latest score's), the daily health sums behind the insights' history (the "
        "snapshots) and the search index (each entry's words and team). Exits non-zero "
        "naming what differs; --repair rewrites it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="rewrite whatever differs")

    def handle(self, *args, repair, **options):
        checks = [
            (
                "Cases whose team is not their account's, on accounts",
                cases_team_differing,
                cases_follow_accounts,
            ),
            (
                "Accounts whose band or segment is not their latest score's",
                account_marks_differing,
                account_marks_rewrite,
            ),
            (
                "Days whose health sums do not match their snapshots",
                health_days_check,
                lambda days: health_days_rebuild(),
            ),
            (
                "Search entries that differ from what they come from",
                index_differing,
                index_repair,
            ),
        ]
        wrong = []
        for label, find, fix in checks:
            found = find()
            if not found:
                continue
            shown = [str(item) for item in found]  # account ids, or days as YYYY-MM-DD
            if repair:
                fix(found)
                self.stdout.write(f"Repaired. {label}: {_some(shown)}.")
            else:
                wrong.append(f"{label}: {_some(shown)}.")
        if wrong:
            raise CommandError("\n".join(wrong) + "\nRun `amends verify --repair` to rewrite them.")
        self.stdout.write("Every copy and sum matches where it comes from.")
