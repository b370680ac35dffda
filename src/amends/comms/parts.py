"""What messages show on the pages of the apps below (registered in apps.py): the
composer and the delivery log on the case page, the value summary's link on the
account page."""

from amends.comms.selectors import message_log_for
from amends.core.parts import page_part


@page_part("case_page", "message_panel", template="comms/case_messages.html", order=10)
def case_page_messages(*, case, **_):
    return {"log": list(message_log_for(case=case))}


@page_part("account_page", "value_link", template="comms/value_link.html", order=30)
def account_page_value_link(**_):
    return None  # the panel is a link to the account's value summary: it needs no data
