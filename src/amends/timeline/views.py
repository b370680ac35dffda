from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from amends.timeline.selectors import notification_get_for, notifications_for
from amends.timeline.services import notifications_mark_read


@login_required
def notifications_view(request: HttpRequest) -> HttpResponse:
    return render(
        request, "timeline/notifications.html", {"items": notifications_for(user=request.user)}
    )


@login_required
@require_POST
def notification_open_view(request: HttpRequest, notification_id: int) -> HttpResponse:
    found = notification_get_for(user=request.user, notification_id=notification_id)
    notifications_mark_read(user=request.user, notification_id=found.pk)
    # Only ever a page of this site: the path was written by our own services.
    safe = url_has_allowed_host_and_scheme(found.path, allowed_hosts=None)
    return redirect(found.path if safe and found.path.startswith("/") else "timeline:notifications")


@login_required
@require_POST
def notifications_read_view(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    return redirect("timeline:notifications")
