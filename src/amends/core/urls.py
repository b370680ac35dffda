from django.urls import path

from amends.core import views

app_name = "core"
# The areas still to be built answer with a page that says so, not a 404.
urlpatterns = [
    path(f"{area}/", views.coming_view, {"area": area}, name=area) for area in ("insights",)
]
