from amends.comms import share_views, views

app_name = "comms"
# Two parts, one file each: messages and templates, the customer's page.
urlpatterns = [*views.urlpatterns, *share_views.urlpatterns]
