from django.urls import path

from amends.people import views

app_name = "people"
urlpatterns = [
    path("me/", views.profile_view, name="profile"),
    path("me/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token-revoke"),
    path("me/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("password-reset/done/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
]
