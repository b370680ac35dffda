from django.core.management.base import BaseCommand

from amends.reminders.services import digest_hour, digests_send, escalations_notify


class Command(BaseCommand):
    help = (
        "Send reminders by email now, as the worker does on its own: 'digest' sends "
        "today's digest of what is due, late or escalated to each person (once a day "
        "per person, whatever the hour), 'escalations' mails the escalations of the "
        "last day that have not been mailed. Safe to run again: nobody gets a mail twice."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "what",
            choices=["digest", "escalations"],
            help="digest: the daily digests; escalations: one mail per new escalation",
        )

    def handle(self, *args, what, **options):
        if what == "digest":
            sent = digests_send()
            self.stdout.write(
                f"{sent} digest(s) sent. (The worker sends them after {digest_hour()}:00.)"
            )
        else:
            sent = escalations_notify()
            self.stdout.write(f"{sent} escalation mail(s) sent.")
