"""Mailbox passwords at rest: encrypted (Fernet: AES with an HMAC) under a key made
from the SECRET_KEY, so a copy of the database alone does not give them away.
Changing the SECRET_KEY makes them unreadable: the mailbox then says so and asks
for the password again."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

SALT = b"amends.mail.mailbox-password"


def _fernet() -> Fernet:
    key = hashlib.sha256(SALT + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def secret_seal(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def secret_open(sealed: str) -> str | None:
    """The password, or None when it was sealed under another SECRET_KEY."""
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None
