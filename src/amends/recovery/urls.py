from django.urls import path

from amends.recovery import views

app_name = "recovery"
urlpatterns = [
    path("cases/", views.my_work_view, name="work"),
    path("cases/<int:case_id>/", views.case_detail_view, name="case"),
    path(
        "cases/<int:case_id>/steps/<int:step_id>/complete/",
        views.step_complete_view,
        name="step-complete",
    ),
    path("cases/<int:case_id>/steps/<int:step_id>/skip/", views.step_skip_view, name="step-skip"),
    path("cases/<int:case_id>/pause/", views.case_pause_view, name="pause"),
    path("cases/<int:case_id>/owner/", views.case_owner_view, name="owner"),
    path("cases/<int:case_id>/resume/", views.case_resume_view, name="resume"),
    path("cases/<int:case_id>/records/<str:kind>/", views.record_add_view, name="record-add"),
    path("cases/<int:case_id>/commitments/", views.commitment_add_view, name="commitment-add"),
    path(
        "cases/<int:case_id>/commitments/<int:commitment_id>/",
        views.commitment_resolve_view,
        name="commitment-resolve",
    ),
    path("cases/<int:case_id>/close/", views.case_close_view, name="close"),
    path("accounts/<int:account_id>/cases/new/", views.case_open_view, name="open"),
]
