from django.utils.functional import SimpleLazyObject

from amends.timeline.selectors import notifications_unread


def bell(request) -> dict:
    """The top bar's unread notifications: counted only when a page shows the top bar
    (an htmx partial does not), one query on the (recipient, read_at) index."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"bell": None}
    return {"bell": SimpleLazyObject(lambda: {"unread": notifications_unread(user=user)})}
