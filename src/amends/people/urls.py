from django.urls import path

from amends.people import views

app_name = "people"
urlpatterns = [
    path("me/", views.profile_view, name="profile"),
    path("me/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token-revoke"),
]
