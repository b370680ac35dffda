"""What complaints show on the accounts app's pages (registered in apps.py)."""

from django.utils import timezone

from amends.complaints.selectors import complaint_summary_for_account, conversations_assigned_to
from amends.core.parts import page_part


@page_part("account_page", "complaint_summary", template="complaints/account_panel.html", order=20)
def account_page_complaints(*, account, **_):
    return complaint_summary_for_account(account_id=account.pk, now=timezone.now())


@page_part("my_work", "conversations", template="complaints/my_work_panel.html", order=10)
def my_work_conversations(*, user, **_):
    return conversations_assigned_to(user=user)
