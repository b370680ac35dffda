"""The demo's outbox: mail that Django's file backend kept in a folder instead of
sending (AMENDS_EMAIL_OUTBOX), read back for the /outbox/ page. The backend writes
each connection's messages to one file, each followed by a line of 79 dashes."""

from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@dataclass(frozen=True)
class Kept:
    """One message in the outbox, as a person reads it."""

    sent: object  # datetime, or None when the Date header is missing
    sender: str
    to: list[str]
    subject: str
    body: str
    message_id: str


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def outbox_read(
    folder: str, *, limit: int = 200, keep: Callable[[Kept], bool] | None = None
) -> list[Kept]:
    """The newest ``limit`` messages in ``folder`` that ``keep`` keeps, newest first."""
    root = Path(folder)
    if not root.is_dir():
        return []
    files = sorted(root.glob("*.log"), key=lambda f: f.stat().st_mtime, reverse=True)
    kept: list[Kept] = []
    parser = BytesParser(policy=policy.default)
    for file in files:
        chunks = [c for c in file.read_bytes().split(SEPARATOR) if c.strip()]
        for chunk in reversed(chunks):
            message = parser.parsebytes(chunk.lstrip(b"\n"))
            assert isinstance(message, EmailMessage)
            date = message.get("Date")
            mail = Kept(
                sent=parsedate_to_datetime(date) if date else None,
                sender=str(message.get("From", "")),
                to=[address for _, address in getaddresses(message.get_all("To", []))],
                subject=str(message.get("Subject", "")),
                body=_body(message),
                message_id=str(message.get("Message-ID", "")),
            )
            if keep is None or keep(mail):
                kept.append(mail)
            if len(kept) >= limit:
                return kept
    return kept
