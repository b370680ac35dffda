from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "amends.core"
    label = "core"
    verbose_name = "Amends"

    def ready(self) -> None:
        from amends.core import checks  # noqa: F401  (registers the system checks)
