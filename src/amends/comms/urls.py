from amends.comms import notice_views, share_views, views

app_name = "comms"
# Three parts, one file each: messages and templates, notices at scale, the customer's page.
urlpatterns = [*views.urlpatterns, *notice_views.urlpatterns, *share_views.urlpatterns]
