from django.db.models import QuerySet

from amends.timeline.models import Event


def event_list_for_account(*, account_id: int) -> QuerySet[Event]:
    return (
        Event.objects.filter(account_id=account_id).select_related("actor").order_by("-at", "-id")
    )
