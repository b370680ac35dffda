from django.db.models import Q, QuerySet

from amends.people.models import ApiToken, Membership, Role, User

WRITER_ROLES = [Role.MANAGER, Role.AGENT]


def token_list_for(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def membership_list_for(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("team").order_by("team__name")


def team_workers(*, team_id: int) -> QuerySet[User]:
    """People who can own work for a team: its members who may write, and admins."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(memberships__team_id=team_id, memberships__role__in=WRITER_ROLES)
            | Q(is_superuser=True)
            | Q(memberships__role=Role.ADMIN)
        )
        .distinct()
        .order_by("username")
    )
