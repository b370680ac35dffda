from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from amends.api import api
from amends.core import views as core_views
from amends.people.views import LoginView

urlpatterns = [
    path("", core_views.home_view, name="home"),
    path("healthz", core_views.healthz_view, name="healthz"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("amends.accounts.urls")),
    path("", include("amends.timeline.urls")),
    path("", include("amends.people.urls")),
    path("", include("amends.core.urls")),
    path("", include("amends.incidents.urls")),
    path("", include("amends.recovery.urls")),
    path("", include("amends.signals.urls")),
    path("", include("amends.complaints.urls")),
    path("", include("amends.comms.urls")),
    path("", include("amends.notices.urls")),
    path("", include("amends.mail.urls")),
    path("", include("amends.customerpage.urls")),
    path("", include("amends.parting.urls")),
    path("", include("amends.referrals.urls")),
    path("", include("amends.insights.urls")),
    path("", include("amends.search.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
