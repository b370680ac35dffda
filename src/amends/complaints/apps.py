from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "amends.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from amends.complaints import parts  # noqa: F401 - registers this app's parts of other pages

        # Every complaint signal, however it arrived, lands in the inbox: the signals
        # app calls its hooks inside the recording transaction, and only for the
        # kinds a hook asks for, so a large import of orders builds nothing here.
        from amends.complaints.intake import complaints_from_signals
        from amends.signals.services import on_signals_recorded, signals_hook

        if complaints_from_signals not in on_signals_recorded:
            signals_hook("complaint")(complaints_from_signals)
