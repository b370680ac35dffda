from django.urls import path

from amends.insights import views

app_name = "insights"
urlpatterns = [
    path("insights/", views.dashboard_view, name="dashboard"),
    path("insights/<slug:figure>.csv", views.csv_view, name="csv"),
]
