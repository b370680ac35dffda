"""What messages show on the case page of recovery, the app below (registered in
apps.py): the composer's panel and the case's delivery log."""

from amends.core.parts import page_part


@page_part("case_page", "message_panel")
def case_page_messages(*, case, **_):
    return {
        "template": "comms/case_messages.html",
        "log": list(case.messages.select_related("sent_by")),
    }
