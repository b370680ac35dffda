from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "amends.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from amends.accounts.services import on_accounts_moved
        from amends.search import receivers

        receivers.connect()
        # After recovery's own hook (its app is readied first), which moves the cases.
        if receivers.accounts_moved not in on_accounts_moved:
            on_accounts_moved.append(receivers.accounts_moved)
