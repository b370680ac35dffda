from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from amends.timeline.models import Event, Notification


def event_list_for_account(*, account_id: int) -> QuerySet[Event]:
    return (
        Event.objects.filter(account_id=account_id).select_related("actor").order_by("-at", "-id")
    )


def event_list_for_subject(
    *, account_id: int, subject_type: str, subject_id: int
) -> QuerySet[Event]:
    return (
        Event.objects.filter(
            account_id=account_id, subject_type=subject_type, subject_id=subject_id
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )


def notifications_for(*, user: Any, shown: int = 50) -> list[Notification]:
    """A person's notifications, newest first."""
    return list(Notification.objects.filter(recipient_id=user.pk).order_by("-at", "-id")[:shown])


def notifications_unread(*, user: Any) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notification_get_for(*, user: Any, notification_id: int) -> Notification:
    """One of this person's notifications, or 404: nobody opens another's."""
    found = Notification.objects.filter(recipient_id=user.pk, pk=notification_id).first()
    if found is None:
        raise Http404("No such notification.")
    return found
