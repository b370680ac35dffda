from django.urls import path

from amends.timeline import views

app_name = "timeline"
urlpatterns = [
    path("notifications/", views.notifications_view, name="notifications"),
    path("notifications/read/", views.notifications_read_view, name="notifications-read"),
    path(
        "notifications/<int:notification_id>/open/",
        views.notification_open_view,
        name="notification-open",
    ),
]
