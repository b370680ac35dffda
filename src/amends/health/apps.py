from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "amends.health"
    label = "health"
    verbose_name = _("Health")

    def ready(self) -> None:
        from amends.health import parts  # noqa: F401 - registers this app's parts of other pages
