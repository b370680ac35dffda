from django.apps import AppConfig


class ShellConfig(AppConfig):
    """The top of the house: what puts every app together. The commands that
    start things (serve, worker), the demo that loads every app's data, and the
    CLI reference. Nothing below imports from here."""

    name = "amends.shell"
    label = "shell"
    verbose_name = "Amends"
