import argparse
import sys

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.db import DatabaseError

from amends.mail.imap import MailboxError, mailbox_poll, mailbox_test
from amends.mail.models import Mailbox
from amends.mail.services import Refused, mail_receive
from amends.people.models import Team

USAGE = """\
Mail from customers, into the team's inbox and its threads (docs/email.md):

  amends mail receive --team SLUG < MESSAGE   store one mail read on standard input
  amends mail poll [--team SLUG]              collect from IMAP mailboxes now
  amends mail test --team SLUG                connect to a team's IMAP mailbox and say what is there

`receive` is for a mail server's pipe delivery (Postfix, Exim). Its exit code is what
the server understands: 0 stored (or already stored, or an automatic mail kept
without a conversation), 75 try again later (the database is not answering),
65 refused for good, with the reason on standard error (the server returns it to
the sender). The worker (amends worker) polls IMAP mailboxes every minute."""

EX_DATAERR = 65
EX_TEMPFAIL = 75


class _Formatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


class Command(BaseCommand):
    help = USAGE
    # A mail server runs this once per mail: the system checks would touch the
    # database before `receive` can say "try later" (75), and cost every mail time.
    requires_system_checks: list[str] = []

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        receive = sub.add_parser("receive", help="store one RFC 5322 mail read on standard input")
        receive.add_argument("--team", required=True, help="the receiving team's slug")
        poll = sub.add_parser("poll", help="collect mail from the IMAP mailboxes now")
        poll.add_argument("--team", help="only this team's mailbox")
        test = sub.add_parser("test", help="connect to a team's IMAP mailbox")
        test.add_argument("--team", required=True)

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def _team(self, slug: str) -> Team:
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            raise CommandError(f"--team: no team with the slug {slug!r}")
        return team

    def handle_receive(self, *, team, **options):
        try:
            chosen = self._team(team)
        except CommandError as error:
            # A wrong slug in the server's configuration: refuse, so the sender hears.
            self.stderr.write(str(error))
            sys.exit(EX_DATAERR)
        except DatabaseError as error:
            self.stderr.write(f"the database is not answering ({error}); try again later")
            sys.exit(EX_TEMPFAIL)
        raw = sys.stdin.buffer.read()
        try:
            received = mail_receive(team=chosen, raw=raw)
        except Refused as refusal:
            self.stderr.write(f"refused: {refusal.reason}")
            sys.exit(EX_DATAERR)
        except DatabaseError as error:
            self.stderr.write(f"the database is not answering ({error}); try again later")
            sys.exit(EX_TEMPFAIL)
        thread = f"conversation {received.complaint.pk}" if received.complaint else ""
        if received.case is not None:
            thread = f"{thread} case {received.case.pk}".strip()
        self.stdout.write(f"{received.outcome}: {received.mail.message_id} {thread}".rstrip())

    def handle_poll(self, *, team, **options):
        mailboxes = Mailbox.objects.filter(active=True).exclude(imap_host="").select_related("team")
        if team:
            mailboxes = mailboxes.filter(team=self._team(team))
        failed = False
        for mailbox in mailboxes:
            try:
                result = mailbox_poll(mailbox)
            except MailboxError as error:
                self.stderr.write(f"{mailbox.team.slug}: {error}")
                failed = True
                continue
            self.stdout.write(
                f"{mailbox.team.slug}: {result.stored} stored, {result.duplicates} already there, "
                f"{len(result.refused)} refused"
            )
            for reason in result.refused:
                self.stdout.write(f"  refused: {reason}")
        if failed:
            raise CommandError("some mailboxes could not be read")

    def handle_test(self, *, team, **options):
        mailbox = Mailbox.objects.filter(team=self._team(team)).first()
        if mailbox is None or not mailbox.imap_host:
            raise CommandError(f"team {team} has no IMAP mailbox")
        try:
            self.stdout.write(mailbox_test(mailbox))
        except MailboxError as error:
            raise CommandError(str(error)) from None
