from django.core.management.base import BaseCommand, CommandError

from amends.accounts.models import Account, Contact
from amends.complaints.demo import demo_complaints_answered
from amends.complaints.feedback_page import demo_feedback_pages
from amends.complaints.models import Complaint
from amends.core.progress import ProgressBar
from amends.health.services import health_rescore
from amends.insights.demo import demo_insights
from amends.parting.demo import demo_parting
from amends.people.models import Team, User
from amends.recovery.demo import demo_recovery
from amends.recovery.models import RecoveryCase
from amends.referrals.demo import demo_referrals
from amends.shell.demo import DEMO_PASSWORD, demo_load
from amends.signals.demo import demo_signals
from amends.signals.models import Signal


class Command(BaseCommand):
    help = (
        "Load deterministic demo data: teams, people, accounts in several languages, "
        "contacts, recoveries at every stage, a year of signals with health scores, "
        "complaints in the inbox and a public feedback page per team."
    )

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=120, help="how many (default 120)")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same data")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when accounts already exist"
        )

    def handle(self, *args, accounts, seed, if_empty, **options):
        if accounts < 0:
            raise CommandError("--accounts must be 0 or more")
        if if_empty and Account.objects.exists():
            self.stdout.write("Accounts exist already; demo data not loaded.")
            return
        result = demo_load(accounts=accounts, seed=seed, progress=ProgressBar("accounts"))
        demo_recovery()
        signals = demo_signals(seed=seed)
        demo_complaints_answered(seed=seed)
        pages = demo_feedback_pages()
        partings = demo_parting()
        referrals = demo_referrals()  # after the partings: former clients refer too
        if signals or referrals:
            health_rescore()
            # Half a year of history behind every chart, then a rescore for the trends.
            demo_insights()
            health_rescore(rules=False)
        # What the lists will show, counted where they count: the tables, after every
        # loader (partings and referrals add cases and accounts of their own).
        self.stdout.write(
            "Demo data: "
            + ", ".join(
                f"{count} {label}"
                for label, count in [
                    ("teams", Team.objects.count()),
                    ("people", User.objects.count()),
                    ("accounts", Account.objects.count()),
                    ("contacts", Contact.objects.count()),
                    ("open recovery cases", RecoveryCase.objects.filter(closed_at=None).count()),
                    ("closed ones", RecoveryCase.objects.exclude(closed_at=None).count()),
                    ("conversations in the inbox", Complaint.objects.count()),
                    ("signals", Signal.objects.count()),
                    ("feedback pages", pages),
                    ("partings", partings),
                    ("referrals", referrals),
                ]
            )
            + "."
        )
        if result.users:
            self.stdout.write(
                f"Log in as admin (or maria, eleni, tomek, li, sam, viktor) "
                f"with the password {DEMO_PASSWORD!r}."
            )
