from django.urls import path

from amends.incidents import views

app_name = "incidents"
urlpatterns = [
    path("postmortems/<str:key>/", views.postmortem_public_view, name="postmortem-public"),
]
