from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerPageConfig(AppConfig):
    name = "amends.customerpage"
    label = "customerpage"
    verbose_name = _("The customer's page")

    def ready(self) -> None:
        from amends.customerpage import parts  # noqa: F401 - registers its parts of other pages
