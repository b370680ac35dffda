import argparse

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from amends.people.models import Team
from amends.signals.models import SignalSource
from amends.signals.services import (
    signal_source_create,
    signal_source_rotate,
    signal_source_set_active,
)
from amends.timeline.models import Via
from amends.timeline.services import Actor

USAGE = """\
Webhook sources of signals: the systems that POST signals to /hooks/signals/SLUG/,
signed with their secret. A secret is shown once, when it is made.

  amends signals source create SLUG [--name NAME] [--team TEAM]
  amends signals source list
  amends signals source rotate SLUG     a new secret; the old one stops working
  amends signals source stop SLUG       refuse its deliveries (404) until start

Import a CSV file of signals with `amends import signals FILE`."""


class _Formatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


class Command(BaseCommand):
    help = USAGE

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        what = parser.add_subparsers(dest="what", required=True)
        source = what.add_parser("source", help="the systems that post signals to webhooks")
        sub = source.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="add a source and print its secret once")
        create.add_argument("slug", help="the name in its webhook URL: /hooks/signals/SLUG/")
        create.add_argument("--name", default="", help="a longer name (default: the slug)")
        create.add_argument("--team", help="team slug: only its accounts (default: every team)")
        sub.add_parser("list", help="list sources (never their secrets)")
        rotate = sub.add_parser("rotate", help="give a source a new secret and print it once")
        rotate.add_argument("slug")
        stop = sub.add_parser("stop", help="refuse a source's deliveries from now on")
        stop.add_argument("slug")
        start = sub.add_parser("start", help="accept a stopped source's deliveries again")
        start.add_argument("slug")

    def handle(self, *args, what, action, **options):
        self.actor = Actor(user=None, via=Via.CLI)
        getattr(self, f"handle_{action}")(**options)

    def _source(self, slug: str) -> SignalSource:
        source = SignalSource.objects.filter(slug=slug).first()
        if source is None:
            raise CommandError(f"no signal source {slug!r}")
        return source

    def handle_create(self, *, slug, name, team, **options):
        chosen = None
        if team:
            chosen = Team.objects.filter(slug=team).first()
            if chosen is None:
                raise CommandError(f"no team {team!r}")
        if SignalSource.objects.filter(slug=slug).exists():
            raise CommandError(f"there is already a signal source {slug!r}")
        try:
            source, secret = signal_source_create(
                actor=self.actor, slug=slug, name=name, team=chosen
            )
        except ValidationError as invalid:
            raise CommandError("; ".join(invalid.messages)) from None
        self.stderr.write(
            f"Source {source.slug}: POST /hooks/signals/{source.slug}/ "
            "signed with this secret, shown only now:"
        )
        self.stdout.write(secret)

    def handle_list(self, **options):
        for source in SignalSource.objects.select_related("team"):
            team = source.team.slug if source.team else "every team"
            state = "active" if source.active else "stopped"
            self.stdout.write(f"{source.slug}\t{source.name}\t{team}\t{state}")

    def handle_rotate(self, *, slug, **options):
        secret = signal_source_rotate(actor=self.actor, source=self._source(slug))
        self.stderr.write(f"Source {slug}: the old secret no longer works. The new one:")
        self.stdout.write(secret)

    def handle_stop(self, *, slug, **options):
        signal_source_set_active(actor=self.actor, source=self._source(slug), active=False)
        self.stdout.write(f"Source {slug} stopped: its deliveries are refused (404).")

    def handle_start(self, *, slug, **options):
        signal_source_set_active(actor=self.actor, source=self._source(slug), active=True)
        self.stdout.write(f"Source {slug} accepts deliveries again.")
