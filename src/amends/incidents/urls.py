from django.urls import path

from amends.incidents import views

app_name = "incidents"
urlpatterns = [
    path("incidents/", views.incident_list_view, name="list"),
    path("incidents/new/", views.incident_declare_view, name="declare"),
    path("incidents/picker/", views.account_picker_view, name="picker"),
    path("incidents/picker/<int:account_id>/", views.affected_row_view, name="affected-row"),
    path("incidents/similar/", views.similar_view, name="similar"),
    path("incidents/<int:incident_id>/", views.incident_detail_view, name="detail"),
    path(
        "incidents/<int:incident_id>/accounts/",
        views.incident_add_accounts_view,
        name="add-accounts",
    ),
    path("incidents/<int:incident_id>/postmortem/", views.postmortem_edit_view, name="postmortem"),
    path("incidents/<int:incident_id>/status/", views.incident_status_view, name="status"),
    path("postmortems/<str:key>/", views.postmortem_public_view, name="postmortem-public"),
]
