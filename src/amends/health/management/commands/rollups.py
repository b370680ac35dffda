from django.core.management.base import BaseCommand, CommandError

from amends.health.rollups import health_days_check, health_days_rebuild


class Command(BaseCommand):
    help = (
        "The daily health sums the insights' history reads (revenue at risk and segments "
        "over time): check them against the snapshots they sum, or rebuild them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="rewrite every day's sums from its snapshots"
        )

    def handle(self, *args, rebuild, **options):
        if rebuild:
            written = health_days_rebuild()
            self.stdout.write(f"Rebuilt: {written} rows from the snapshots.")
        wrong = health_days_check()
        if wrong:
            days = ", ".join(day.isoformat() for day in wrong[:20])
            more = f" and {len(wrong) - 20} more" if len(wrong) > 20 else ""
            raise CommandError(
                f"{len(wrong)} days do not match their snapshots: {days}{more}. "
                "Run `amends rollups --rebuild`."
            )
        self.stdout.write("Every day's sums match its snapshots.")
