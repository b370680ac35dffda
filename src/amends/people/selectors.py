from collections.abc import Sequence

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from amends.people.access import admin_q
from amends.people.models import ApiToken, Membership, Role, User

WRITER_ROLES = [Role.MANAGER, Role.AGENT]


def token_list_for(*, user: User | AnonymousUser) -> QuerySet[ApiToken]:
    if isinstance(user, AnonymousUser):
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def membership_list_for(*, user: User | AnonymousUser) -> QuerySet[Membership]:
    if isinstance(user, AnonymousUser):
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("team").order_by("team__name")


def team_members(*, team_id: int, roles: Sequence[str] | None = None) -> QuerySet[User]:
    """The team's active members (with one of ``roles``, any role when None), and admins."""
    members = Q(memberships__team_id=team_id)
    if roles is not None:
        members &= Q(memberships__role__in=roles)
    return (
        User.objects.filter(is_active=True)
        .filter(members | admin_q())
        .distinct()
        .order_by("username")
    )


def team_workers(*, team_id: int) -> QuerySet[User]:
    """People who can own work for a team: its members who may write, and admins."""
    return team_members(team_id=team_id, roles=WRITER_ROLES)


def teams_workers(*, team_ids: Sequence[int] | set[int]) -> QuerySet[User]:
    """Everyone who can own work for any of these teams (a list's bulk "give to"), in
    one query; nobody when there is no team."""
    if not team_ids:
        return User.objects.none()
    members = Q(memberships__team_id__in=team_ids, memberships__role__in=WRITER_ROLES)
    return (
        User.objects.filter(is_active=True)
        .filter(members | admin_q())
        .distinct()
        .order_by("username")
    )
