from django.urls import path

from amends.referrals import views

app_name = "referrals"
urlpatterns = [
    path("referrals/", views.referral_list_view, name="list"),
    path("referrals/new/", views.referral_create_view, name="create"),
    path("referrals/<int:referral_id>/delete/", views.referral_delete_view, name="delete"),
]
