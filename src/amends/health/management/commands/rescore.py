from django.core.management.base import BaseCommand

from amends.health.services import health_rescore, health_rescore_daily


class Command(BaseCommand):
    help = (
        "Score every account's health now (0 to 100, high = healthy), take today's "
        "snapshot, detect cooling and open thaw cases by the at-risk rules. The worker "
        "runs this once a day by itself."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--daily",
            action="store_true",
            help="do what the worker does: skip when today's rescore is done or running",
        )
        parser.add_argument(
            "--no-rules", action="store_true", help="score only; open no thaw cases"
        )

    def handle(self, *args, daily, no_rules, **options):
        if daily:
            result = health_rescore_daily()
            if result is None:
                self.stdout.write("Today's rescore is already done (or running); nothing to do.")
                return
        else:
            result = health_rescore(rules=not no_rules)
        self.stdout.write(f"Rescored: {result.summary()}")
        steps = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.seconds.items())
        self.stdout.write(f"Time: {steps}.")
