from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "amends.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from amends.notices import parts  # noqa: F401 - registers this app's parts of other pages
