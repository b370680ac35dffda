import importlib
import importlib.util

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "amends.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        # Every complaint signal, however it arrived, lands in the inbox. The
        # signals app calls its hooks inside the recording transaction.
        if importlib.util.find_spec("amends.signals.services") is None:
            return
        services = importlib.import_module("amends.signals.services")
        hooks = getattr(services, "on_signals_recorded", None)
        if hooks is None:
            return
        from amends.complaints.services import complaints_from_signals

        if complaints_from_signals in hooks:
            return
        register = getattr(services, "signals_hook", None)
        if register is not None:
            # Hear of complaint signals only: a large import of orders builds no models for us.
            register("complaint")(complaints_from_signals)
        else:
            hooks.append(complaints_from_signals)
