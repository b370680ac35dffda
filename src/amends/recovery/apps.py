from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecoveryConfig(AppConfig):
    name = "amends.recovery"
    label = "recovery"
    verbose_name = _("Recovery")

    def ready(self) -> None:
        from amends.accounts.services import on_accounts_moved
        from amends.incidents.services import on_accounts_affected
        from amends.recovery import parts  # noqa: F401 - registers this app's parts of other pages
        from amends.recovery.opening import cases_follow_accounts, cases_open_for_incident

        if cases_open_for_incident not in on_accounts_affected:
            on_accounts_affected.append(cases_open_for_incident)
        if cases_follow_accounts not in on_accounts_moved:
            on_accounts_moved.append(cases_follow_accounts)
