"""Reading messages: which template speaks, who may read or edit the templates, and a
case's delivery log."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from amends.comms.models import Message, MessageTemplate
from amends.people.access import user_is_admin
from amends.people.models import Membership, Role, User
from amends.recovery.models import RecoveryCase


def template_pick(*, kind: str, languages: list[str]) -> MessageTemplate | None:
    """The template of ``kind`` in the first of ``languages`` that has one."""
    found = {t.language: t for t in MessageTemplate.objects.filter(kind=kind)}
    return next((found[code] for code in languages if code in found), None)


def user_can_edit_templates(user: User | AnonymousUser) -> bool:
    """Templates speak for every team: managers and admins edit them, the rest read."""
    if user_is_admin(user):
        return True
    if isinstance(user, AnonymousUser):
        return False
    return Membership.objects.filter(user=user, role=Role.MANAGER).exists()


def user_can_read_templates(user: User | AnonymousUser) -> bool:
    if isinstance(user, AnonymousUser):
        return False
    return user_is_admin(user) or Membership.objects.filter(user=user).exists()


def message_log_for(*, case: RecoveryCase) -> QuerySet[Message]:
    """Every message of a case, newest first, with who sent it."""
    return Message.objects.filter(case=case).select_related("sent_by")
