from django.urls import path

from amends.signals import views

app_name = "signals"
urlpatterns = [
    path("hooks/signals/<slug:slug>/", views.webhook_view, name="webhook"),
]
