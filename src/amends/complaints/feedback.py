"""What keeps the public feedback page open to customers and closed to spam:
a signed form token that must be neither too fresh nor too old, a honeypot
field, and a limit per client address and per page. The web form and the API
endpoint both pass through here."""

import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from amends.complaints.models import FeedbackPage

SALT = "amends.complaints.feedback"
TOKEN_MAX_AGE = 24 * 3600
# The field a person never sees and a form-filling robot fills in.
HONEYPOT = "website"


class FeedbackRefused(Exception):
    """The submission is not accepted; ``status`` is the HTTP answer, ``message`` says why."""

    def __init__(self, message: str, *, status: int = 400, field: str = ""):
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


def min_seconds() -> float:
    return float(settings.AMENDS_FEEDBACK_MIN_SECONDS)


def form_token(page: FeedbackPage, *, issued_at: float | None = None) -> str:
    issued = time.time() if issued_at is None else issued_at
    return signing.dumps({"k": page.public_key, "t": issued}, salt=SALT)


def form_token_check(page: FeedbackPage, token: str, *, now: float | None = None) -> None:
    now = time.time() if now is None else now
    try:
        data = signing.loads(token or "", salt=SALT)
        issued, key = float(data["t"]), data["k"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise FeedbackRefused(
            "This form is not valid any more: reload the page and send it again.", field="token"
        ) from None
    if key != page.public_key or now - issued > TOKEN_MAX_AGE:
        raise FeedbackRefused(
            "This form has expired: reload the page and send it again.", field="token"
        )
    if now - issued < min_seconds():
        raise FeedbackRefused(
            "That was sent faster than a person can type: wait a moment and send it again.",
            field="token",
        )


def honeypot_check(value: str) -> None:
    if value:
        raise FeedbackRefused("This message looks automated and was not accepted.")


def _limits() -> tuple[int, int, int]:
    return (
        int(settings.AMENDS_FEEDBACK_LIMIT_PER_ADDRESS),
        int(settings.AMENDS_FEEDBACK_LIMIT_PER_PAGE),
        int(settings.AMENDS_FEEDBACK_LIMIT_WINDOW),
    )


def _hit(key: str, window: int) -> int:
    # A fixed window: the first submission starts it, the cache forgets it after.
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def rate_limit_check(page: FeedbackPage, address: str | None) -> None:
    """Count this submission; refuse it once the address or the page has sent too many."""
    per_address, per_page, window = _limits()
    minutes = max(1, round(window / 60))
    if _hit(f"{SALT}:address:{address or 'unknown'}", window) > per_address:
        raise FeedbackRefused(
            f"You have sent {per_address} messages in the last {minutes} minutes. "
            f"Please try again in {minutes} minutes.",
            status=429,
        )
    if _hit(f"{SALT}:page:{page.pk}", window) > per_page:
        raise FeedbackRefused(
            f"This page has received too many messages in the last {minutes} minutes. "
            f"Please try again in {minutes} minutes.",
            status=429,
        )
