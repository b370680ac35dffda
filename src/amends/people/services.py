import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from amends.core.bookkeeping import bookkeeping_write
from amends.people.models import ApiToken, Membership, Role, Team, User

TOKEN_PREFIX = "amd_"


def team_create(*, name: str, slug: str = "") -> Team:
    return Team.objects.create(name=name, slug=slug or slugify(name)[:60] or "team")


def user_create(
    *,
    username: str,
    password: str | None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    is_superuser: bool = False,
    preferred_language: str = "en",
) -> User:
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_superuser=is_superuser,
        is_staff=is_superuser,
        preferred_language=preferred_language,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return user


def membership_set(*, user: User, team: Team, role: str) -> Membership:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}; use one of {', '.join(Role.values)}")
    membership, _ = Membership.objects.update_or_create(
        user=user, team=team, defaults={"role": role}
    )
    # Admins manage the whole site, Django's admin included.
    if role == Role.ADMIN and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    return membership


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def _digest(secret: str) -> str:
    # The secret has 256 bits of entropy, so a plain SHA-256 is enough: there
    # is nothing to brute-force the way there is with a password.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100] or "token", prefix=secret[:12], digest=_digest(secret)
    )
    return IssuedToken(token=token, secret=secret)


def token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(*, secret: str) -> User | None:
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Writing on every request would serialise readers behind SQLite's write
    # lock; a minute's precision is plenty for "last used", and a busy database
    # skips the note rather than fail the caller's request.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        bookkeeping_write(
            lambda: ApiToken.objects.filter(pk=token.pk).update(last_used_at=now),
            what=f"token {token.prefix} last used",
        )
    return token.user
