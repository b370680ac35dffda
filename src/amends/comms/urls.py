from amends.comms import template_views, views

app_name = "comms"
urlpatterns = [*template_views.urlpatterns, *views.urlpatterns]
