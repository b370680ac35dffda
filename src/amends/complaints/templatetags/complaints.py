"""The account page's complaints panel asks for its numbers here."""

from django import template
from django.utils import timezone

from amends.complaints.selectors import complaint_summary_for_account

register = template.Library()


@register.simple_tag
def complaint_summary(account) -> dict:
    return complaint_summary_for_account(account_id=account.pk, now=timezone.now())
