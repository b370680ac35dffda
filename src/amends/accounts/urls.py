from django.urls import path

from amends.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account_list_view, name="list"),
    path("new/", views.account_create_view, name="create"),
    path("import/", views.account_import_view, name="import"),
    path("export.csv", views.account_export_view, name="export"),
    path("bulk/", views.account_bulk_view, name="bulk"),
    path("<int:account_id>/", views.account_detail_view, name="detail"),
    path("<int:account_id>/edit/", views.account_edit_view, name="edit"),
    path("<int:account_id>/contacts/new/", views.contact_create_view, name="contact-create"),
    path("contacts/<int:contact_id>/edit/", views.contact_edit_view, name="contact-edit"),
    path("contacts/<int:contact_id>/delete/", views.contact_delete_view, name="contact-delete"),
]
