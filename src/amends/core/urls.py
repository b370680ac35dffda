app_name = "core"
# Every area of the navigation is built; new core pages go here.
urlpatterns: list = []
