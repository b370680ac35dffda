from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecoveryConfig(AppConfig):
    name = "amends.recovery"
    label = "recovery"
    verbose_name = _("Recovery")

    def ready(self) -> None:
        from amends.recovery import parts  # noqa: F401 - registers this app's parts of other pages
