import time

from django.core.management.base import BaseCommand, CommandError

from amends.search.documents import index_differing, index_rebuild, index_repair


class Command(BaseCommand):
    help = (
        "The search index: `rebuild` makes every entry again from the accounts, contacts, "
        "inbox conversations (with their mail), cases and incidents, in one transaction "
        "(searches see the old index until it commits; writes wait for it); `check` "
        "names the entries that differ from what they come from, and --repair rewrites them."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "check"], help="rebuild or check")
        parser.add_argument("--repair", action="store_true", help="check: rewrite what differs")

    def handle(self, *args, action, repair, **options):
        started = time.perf_counter()
        if action == "rebuild":
            counts = index_rebuild()
            made = ", ".join(f"{count:,} {kind}" for kind, count in counts.items())
            seconds = time.perf_counter() - started
            self.stdout.write(f"Indexed {made} in {seconds:.1f} s.")
            return
        wrong = index_differing()
        if not wrong:
            self.stdout.write("Every search entry matches what it comes from.")
        elif repair:
            index_repair(wrong)
            self.stdout.write(f"Repaired {len(wrong):,} search entries.")
        else:
            shown = ", ".join(wrong[:10]) + (
                f" and {len(wrong) - 10} more" if len(wrong) > 10 else ""
            )
            raise CommandError(
                f"{len(wrong):,} search entries differ: {shown}.\n"
                "Run `amends search check --repair` (or `amends search rebuild`)."
            )
