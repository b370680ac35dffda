from django.urls import path

from amends.complaints import views

app_name = "complaints"
urlpatterns = [
    path("inbox/", views.inbox_view, name="inbox"),
    path("inbox/bulk/", views.bulk_view, name="bulk"),
    path("inbox/<int:complaint_id>/", views.complaint_detail_view, name="complaint"),
    path("inbox/<int:complaint_id>/acknowledge/", views.acknowledge_view, name="acknowledge"),
    path("inbox/<int:complaint_id>/answer/", views.answer_view, name="answer"),
    path("inbox/<int:complaint_id>/kind/", views.classify_view, name="classify"),
    path("inbox/<int:complaint_id>/assignee/", views.assign_view, name="assign"),
    path("inbox/<int:complaint_id>/account/", views.account_link_view, name="account-link"),
    path("inbox/<int:complaint_id>/case/", views.case_link_view, name="case-link"),
    path("inbox/<int:complaint_id>/case/new/", views.case_open_view, name="case-open"),
    path("inbox/<int:complaint_id>/resolve/", views.resolve_view, name="resolve"),
    path("inbox/<int:complaint_id>/satisfaction/", views.satisfaction_view, name="satisfaction"),
    path("inbox/<int:complaint_id>/flag/", views.flag_view, name="flag"),
    path(
        "inbox/feedback-pages/<int:team_id>/open/",
        views.feedback_page_enable_view,
        name="feedback-page-enable",
    ),
    path(
        "inbox/feedback-pages/<int:team_id>/rotate/",
        views.feedback_page_rotate_view,
        name="feedback-page-rotate",
    ),
    path(
        "inbox/feedback-pages/<int:team_id>/close/",
        views.feedback_page_disable_view,
        name="feedback-page-disable",
    ),
    path("feedback/<str:public_key>/", views.feedback_view, name="feedback"),
    path("feedback/<str:public_key>/thanks/", views.feedback_thanks_view, name="feedback-thanks"),
]
