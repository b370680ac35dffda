from amends.comms.views import urlpatterns as urlpatterns

app_name = "comms"
