"""Who may see and change what. Every view and endpoint asks here, through the
per-object helpers in each app's selectors (``account_get_for``)."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from amends.people.models import Membership, Role, Team, User

READ = "read"
WRITE = "write"


def user_is_admin(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_amends_is_admin", None)
    if cached is None:
        cached = Membership.objects.filter(user=user, role=Role.ADMIN).exists()
        setattr(user, "_amends_is_admin", cached)  # noqa: B010 - a cache on the instance
    return cached


def admin_q() -> Q:
    """``user_is_admin`` as a filter on users (add ``.distinct()``: it follows memberships)."""
    return Q(is_active=True) & (Q(is_superuser=True) | Q(memberships__role=Role.ADMIN))


def team_ids_for(user: User | AnonymousUser, action: str = READ) -> set[int] | None:
    """The teams whose accounts ``user`` may read (or write). ``None`` means every team."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user_is_admin(user):
        return None
    cache_name = f"_amends_team_ids_{action}"
    cached = getattr(user, cache_name, None)
    if cached is not None:
        return cached
    roles = (
        [Role.MANAGER, Role.AGENT] if action == WRITE else [Role.MANAGER, Role.AGENT, Role.VIEWER]
    )
    ids = set(
        Membership.objects.filter(user=user, role__in=roles).values_list("team_id", flat=True)
    )
    setattr(user, cache_name, ids)
    return ids


def user_can(user: User | AnonymousUser, action: str, team_id: int) -> bool:
    ids = team_ids_for(user, action)
    return ids is None or team_id in ids


def teams_for(user: User | AnonymousUser, action: str = READ) -> QuerySet[Team]:
    ids = team_ids_for(user, action)
    teams = Team.objects.all()
    return teams if ids is None else teams.filter(id__in=ids)


def user_can_write_anywhere(user: User | AnonymousUser) -> bool:
    ids = team_ids_for(user, WRITE)
    return ids is None or bool(ids)


def user_manages_team(user: User | AnonymousUser, team_id: int) -> bool:
    """Managers of the team, and admins."""
    if user_is_admin(user):
        return True
    if isinstance(user, AnonymousUser):
        return False
    return Membership.objects.filter(user=user, team_id=team_id, role=Role.MANAGER).exists()


def teams_managed_by(user: User | AnonymousUser) -> QuerySet[Team]:
    if user_is_admin(user):
        return Team.objects.all()
    if isinstance(user, AnonymousUser):
        return Team.objects.none()
    return Team.objects.filter(memberships__user=user, memberships__role=Role.MANAGER)


def client_address(request) -> str | None:
    """The caller's address, for throttles (logins, the public feedback page).

    Directly on the internet, the connection's address. Behind a proxy
    (AMENDS_BEHIND_PROXY), the last address in X-Forwarded-For: the one the proxy
    itself appended, the peer it saw. Earlier entries are whatever the client sent,
    so trusting them would let a guesser pick the address it is counted by."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR") or None
