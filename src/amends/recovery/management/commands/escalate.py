from django.core.management.base import BaseCommand

from amends.recovery.escalation import deadlines_check


class Command(BaseCommand):
    help = "Check every open case's deadlines now and raise the escalations that are due."

    def handle(self, *args, **options):
        created = deadlines_check()
        self.stdout.write(f"{created} new escalation(s).")
