from django.db.models import QuerySet

from amends.timeline.models import Event


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
