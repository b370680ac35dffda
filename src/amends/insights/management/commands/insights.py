import csv
import io
import json

from django.core.management.base import BaseCommand, CommandError
from django.http import Http404
from django.utils import timezone

from amends.insights.figures import figure_csv_rows
from amends.insights.forms import InsightsFilterForm
from amends.insights.selectors import FIGURES, figure_compute, figures_compute, insights_teams_for
from amends.people.models import Team


class Command(BaseCommand):
    help = (
        "Write the insights figures to standard output: one figure as CSV or JSON, or "
        "every figure as JSON (with each one's definition). Every team unless --team; "
        "the last 90 days unless --start/--end."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "figure",
            nargs="?",
            default="all",
            choices=["all", *FIGURES],
            metavar="FIGURE",
            help=f"all (the default) or one of: {', '.join(FIGURES)}",
        )
        parser.add_argument("--team", default="", metavar="SLUG", help="only this team")
        parser.add_argument(
            "--segment",
            default="",
            metavar="S",
            help="only accounts in this loyalty segment now: loyal, at_risk or unhappy",
        )
        parser.add_argument("--start", default="", metavar="D", help="first day, YYYY-MM-DD")
        parser.add_argument(
            "--end", default="", metavar="D", help="last day (included), YYYY-MM-DD; default today"
        )
        parser.add_argument(
            "--format",
            choices=["csv", "json"],
            default="json",
            help="json (the default) or csv, for one figure",
        )

    def handle(self, *args, figure, team, segment, start, end, format, **options):
        if figure == "all" and format == "csv":
            raise CommandError("A CSV file holds one figure: name one, or use --format json.")
        try:
            teams = insights_teams_for(user=None, team=team)
        except Http404:
            raise CommandError(f"--team: no team with the slug {team!r}.") from None
        form = InsightsFilterForm(
            {"team": team, "segment": segment, "start": start, "end": end},
            teams=Team.objects.all(),
        )
        if not form.is_valid():
            problems = [
                f"--{name}: {m}" for name, messages in form.errors.items() for m in messages
            ]
            raise CommandError(" ".join(problems))
        scope = form.scope(teams=teams, now=timezone.now())
        if format == "csv":
            rows = figure_csv_rows(figure, figure_compute(key=figure, scope=scope))
            out = io.StringIO()
            csv.writer(out).writerows(rows)
            self.stdout.write(out.getvalue(), ending="")
            return
        if figure == "all":
            body = {
                "team": team,
                "segment": scope.segment or "",
                "start": scope.start.isoformat(),
                "end": scope.end.isoformat(),
                "figures": figures_compute(scope=scope, cached=False),
            }
        else:
            body = figure_compute(key=figure, scope=scope)
        self.stdout.write(json.dumps(body, indent=2, ensure_ascii=False))
