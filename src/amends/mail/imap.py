"""Collecting a team's mail from its IMAP mailbox (IMAPClient). Each mail is stored
by ``mail_receive`` before it is marked: a poll that dies in between finds it
again next time and stores nothing twice (the Message-ID is kept once per team).
Marked means moved to the done folder, or flagged with our own keyword."""

import contextlib
import logging
import os
import ssl
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import DatabaseError
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from amends.mail.models import Mailbox, Security
from amends.mail.parse import Refused
from amends.mail.services import mail_receive, poll_claim, poll_release
from amends.mail.vault import secret_open

log = logging.getLogger(__name__)

DONE = b"$AmendsStored"  # the keyword on mail already stored, when it is not moved
BATCH = 100  # mails fetched per round trip
HOLD = timedelta(minutes=10)  # a poll that takes longer is taken to have died
TIMEOUT = 30  # seconds for the connection and each command


class MailboxError(Exception):
    """The mailbox cannot be read; the message says why, in words for its manager."""


@dataclass
class PollResult:
    stored: int = 0
    duplicates: int = 0
    refused: list[str] = field(default_factory=list)


def _password(mailbox: Mailbox) -> str:
    if mailbox.imap_password_env:
        value = os.environ.get(mailbox.imap_password_env)
        if value is None:
            raise MailboxError(
                f"the environment variable {mailbox.imap_password_env} is not set for this process"
            )
        return value
    password = secret_open(mailbox.imap_password)
    if password is None:
        raise MailboxError(
            "the stored password cannot be read (the SECRET_KEY changed): enter it again"
        )
    return password


def connect(mailbox: Mailbox) -> IMAPClient:
    """A logged-in connection, or MailboxError saying what went wrong."""
    context = ssl.create_default_context()
    try:
        client = IMAPClient(
            mailbox.imap_host,
            port=mailbox.imap_port,
            ssl=mailbox.imap_security == Security.SSL,
            ssl_context=context,
            timeout=TIMEOUT,
        )
        if mailbox.imap_security == Security.STARTTLS:
            client.starttls(context)
        client.login(mailbox.imap_user, _password(mailbox))
    except MailboxError:
        raise
    except (OSError, IMAPClientError, ssl.SSLError) as error:
        raise MailboxError(f"{mailbox.imap_host}:{mailbox.imap_port}: {error}") from None
    return client


def mailbox_test(mailbox: Mailbox) -> str:
    """Connect, log in, look at the folders; a sentence saying what was found."""
    client = connect(mailbox)
    try:
        folders = [name for _flags, _sep, name in client.list_folders()]
        if mailbox.imap_folder not in folders:
            raise MailboxError(
                f"logged in, but there is no folder {mailbox.imap_folder!r} "
                f"(there are: {', '.join(folders[:10])})"
            )
        if mailbox.imap_done_folder and mailbox.imap_done_folder not in folders:
            raise MailboxError(f"logged in, but there is no folder {mailbox.imap_done_folder!r}")
        info = client.select_folder(mailbox.imap_folder, readonly=True)
        waiting = len(client.search(_waiting(mailbox)))
        total = info.get(b"EXISTS", 0)
        return f"Connected: {total} mail(s) in {mailbox.imap_folder}, {waiting} not yet collected."
    except IMAPClientError as error:
        raise MailboxError(str(error)) from None
    finally:
        _close(client)


def _waiting(mailbox: Mailbox) -> list:
    # Moved mail leaves the folder; otherwise our keyword says it was stored.
    return ["ALL"] if mailbox.imap_done_folder else ["NOT", "KEYWORD", DONE.decode()]


def _close(client: IMAPClient) -> None:
    with contextlib.suppress(Exception):  # the server may have gone already
        client.logout()


def mailbox_poll(mailbox: Mailbox, *, limit: int = 10_000) -> PollResult:
    """Store the mail waiting in one mailbox. Raises MailboxError when it cannot be read."""
    result = PollResult()
    client = connect(mailbox)
    try:
        client.select_folder(mailbox.imap_folder)
        uids = sorted(client.search(_waiting(mailbox)))[:limit]
        for start in range(0, len(uids), BATCH):
            chunk = uids[start : start + BATCH]
            fetched = client.fetch(chunk, ["BODY.PEEK[]"])
            done = []
            for uid in chunk:
                raw = fetched.get(uid, {}).get(b"BODY[]")
                if raw is None:
                    continue  # gone meanwhile (another program moved it)
                try:
                    received = mail_receive(team=mailbox.team, raw=raw)
                except Refused as refusal:
                    # Refused mail is marked too: it would be refused again every minute.
                    log.warning("mailbox %s: mail %s refused: %s", mailbox.pk, uid, refusal.reason)
                    result.refused.append(refusal.reason)
                except DatabaseError:
                    log.exception(
                        "mailbox %s: mail %s not stored; next poll tries again", mailbox.pk, uid
                    )
                    continue
                else:
                    if received.outcome == "duplicate":
                        result.duplicates += 1
                    else:
                        result.stored += 1
                done.append(uid)
            _mark(client, mailbox, done)
    except IMAPClientError as error:
        raise MailboxError(str(error)) from None
    finally:
        _close(client)
    return result


def _mark(client: IMAPClient, mailbox: Mailbox, uids: list[int]) -> None:
    if not uids:
        return
    if mailbox.imap_done_folder:
        client.move(uids, mailbox.imap_done_folder)
    else:
        client.add_flags(uids, [DONE, b"\\Seen"])


def mailboxes_poll_all() -> int:
    """Poll every team's mailbox that is due and not held by another worker;
    the worker runs this every minute. Returns how many mails were stored."""
    stored = 0
    for mailbox in Mailbox.objects.filter(active=True).exclude(imap_host="").select_related("team"):
        now = timezone.now()
        if not poll_claim(mailbox=mailbox, now=now, hold=HOLD):
            continue
        error = ""
        result = PollResult()
        try:
            result = mailbox_poll(mailbox)
        except MailboxError as failure:
            error = str(failure)
            log.warning("mailbox %s (%s): %s", mailbox.pk, mailbox.address, error)
        finally:
            poll_release(mailbox=mailbox, now=timezone.now(), error=error, count=result.stored)
        stored += result.stored
    return stored
