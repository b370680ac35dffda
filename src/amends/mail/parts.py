"""What mail shows on the pages of the apps below (registered in apps.py): the
conversation with the customer, sent and received, on the case page."""

from amends.core.parts import page_part
from amends.mail.selectors import case_conversation


@page_part("case_page", "mail_conversation", template="mail/case_conversation.html", order=5)
def case_page_conversation(*, case, **_):
    return {"conversation": case_conversation(case=case)}


@page_part("complaint_page", "mail_conversation", template="mail/conversation_panel.html", order=10)
def complaint_page_conversation(*, complaint, can_edit, **_):
    from amends.mail.forms import AnswerByMailForm
    from amends.mail.selectors import conversation_mails, mailbox_for

    mailbox = mailbox_for(team_id=complaint.team_id)
    return {
        "mails": conversation_mails(complaint=complaint),
        "mailbox": mailbox,
        "can_mail": bool(can_edit and mailbox and complaint.customer_email),
        "form": AnswerByMailForm(),
    }


@page_part("inbox", "mailboxes", template="mail/inbox_panel.html", order=10)
def inbox_mailboxes(**_):
    return None  # a link to the mailboxes' settings: it needs no data
