from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartingConfig(AppConfig):
    name = "amends.parting"
    label = "parting"
    verbose_name = _("Parting")

    def ready(self) -> None:
        from amends.parting import parts  # noqa: F401 - registers this app's parts of other pages
