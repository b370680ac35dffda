from django.urls import path

from amends.core.views import outbox_view

app_name = "core"
urlpatterns = [
    path("outbox/", outbox_view, name="outbox"),
]
