from django.urls import path

from amends.parting import views

app_name = "parting"
urlpatterns = [
    path("cases/<int:case_id>/parting/", views.parting_view, name="case"),
    path("cases/<int:case_id>/parting/conversation/", views.conversation_view, name="conversation"),
    path("cases/<int:case_id>/parting/decide/", views.decide_view, name="decide"),
    path("cases/<int:case_id>/parting/items/", views.item_add_view, name="item_add"),
    path(
        "cases/<int:case_id>/parting/items/<int:item_id>/done/",
        views.item_done_view,
        name="item_done",
    ),
    path("cases/<int:case_id>/parting/updates/", views.update_view, name="update"),
    path("cases/<int:case_id>/parting/final/", views.final_view, name="final"),
    path("cases/<int:case_id>/parting/feedback/", views.feedback_view, name="feedback"),
    path("cases/<int:case_id>/parting/close/", views.close_view, name="close"),
    path("accounts/<int:account_id>/let-go/", views.let_go_view, name="let_go"),
    path("c/<str:key>/exit-feedback/", views.customer_feedback_view, name="customer_feedback"),
]
