from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "amends.referrals"
    label = "referrals"
    verbose_name = _("Referrals")

    def ready(self) -> None:
        from amends.referrals import parts  # noqa: F401 - registers this app's parts of other pages
