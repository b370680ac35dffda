from amends.customerpage.views import urlpatterns as urlpatterns

app_name = "customerpage"
