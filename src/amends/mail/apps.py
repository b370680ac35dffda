from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "amends.mail"
    label = "mail"
    verbose_name = _("Mail")

    def ready(self) -> None:
        from amends.comms.services import outgoing_headers
        from amends.mail import parts  # noqa: F401 - registers this app's parts of other pages
        from amends.mail.services import reply_headers_for_case

        # A case message goes out with the case's reply address, so the customer's
        # answer comes back to the case.
        if reply_headers_for_case not in outgoing_headers:
            outgoing_headers.append(reply_headers_for_case)
