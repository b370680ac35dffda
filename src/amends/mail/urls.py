from django.urls import path

from amends.mail import views

app_name = "mail"
urlpatterns = [
    path("inbox/<int:complaint_id>/mail/", views.answer_view, name="answer"),
    path("mail/files/<int:attachment_id>/", views.attachment_view, name="attachment"),
    path("mail/mailboxes/", views.mailboxes_view, name="mailboxes"),
    path("mail/mailboxes/<int:team_id>/", views.mailbox_view, name="mailbox"),
    path("mail/mailboxes/<int:team_id>/test/", views.mailbox_test_view, name="mailbox-test"),
]
