"""The reply address that brings a customer's answer back to its thread:
``reply+c42-1a2b3c4d5e6f@example.com`` for inbox conversation 42, ``k7-…`` for case 7.
The tail is a keyed digest, so a token cannot be guessed from a number; it is still
only matched inside the team that receives the mail."""

import re

from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "amends.mail.reply-token"
TOKEN = re.compile(r"^reply\+([ck])(\d{1,12})-([0-9a-f]{12})@", re.I)
SUBJECT_TOKEN = re.compile(r"\[#(\d{1,12})\]")


def _digest(kind: str, number: int) -> str:
    return salted_hmac(SALT, f"{kind}{number}", algorithm="sha256").hexdigest()[:12]


def token_for(kind: str, number: int) -> str:
    return f"{kind}{number}-{_digest(kind, number)}"


def reply_address(address: str, kind: str, number: int) -> str:
    """``address`` with the thread's token: support@x → reply+c42-…@x."""
    domain = address.rsplit("@", 1)[-1]
    return f"reply+{token_for(kind, number)}@{domain}"


def threads_in(addresses: list[str]) -> list[tuple[str, int]]:
    """The (kind, number) of every genuine reply token among ``addresses``."""
    found = []
    for address in addresses:
        match = TOKEN.match(address.strip())
        if match:
            kind, number, digest = match.group(1).lower(), int(match.group(2)), match.group(3)
            if constant_time_compare(digest.lower(), _digest(kind, number)):
                found.append((kind, number))
    return found


def subject_tag(number: int) -> str:
    return f"[#{number}]"


def conversation_in_subject(subject: str) -> int | None:
    match = SUBJECT_TOKEN.search(subject)
    return int(match.group(1)) if match else None
