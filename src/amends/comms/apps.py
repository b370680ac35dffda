from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommsConfig(AppConfig):
    name = "amends.comms"
    label = "comms"
    verbose_name = _("Messages")

    def ready(self) -> None:
        from amends.comms import parts  # noqa: F401 - registers this app's parts of other pages
