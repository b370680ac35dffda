from django.core.management.base import BaseCommand, CommandError

from amends.accounts.models import Account
from amends.complaints.demo import demo_complaints_answered
from amends.complaints.feedback_page import demo_feedback_pages
from amends.core.progress import ProgressBar
from amends.health.services import health_rescore
from amends.insights.demo import demo_insights
from amends.parting.demo import demo_parting
from amends.recovery.demo import demo_recovery
from amends.referrals.demo import demo_referrals
from amends.shell.demo import DEMO_PASSWORD, demo_load
from amends.signals.demo import demo_signals


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
        cases = demo_recovery()
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
        self.stdout.write(
            f"Demo data: {result.teams} teams, {result.users} people, "
            f"{result.accounts} accounts, {result.contacts} contacts, {cases} recovery cases, "
            f"{signals} signals, {pages} feedback pages, {partings} partings, "
            f"{referrals} referrals added."
        )
        if result.users:
            self.stdout.write(
                f"Log in as admin (or maria, eleni, tomek, li, sam, viktor) "
                f"with the password {DEMO_PASSWORD!r}."
            )
