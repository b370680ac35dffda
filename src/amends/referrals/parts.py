"""What referrals show on the accounts app's pages (registered in apps.py)."""

from amends.core.parts import page_part
from amends.referrals.selectors import referrals_for_account


@page_part("account_page", "referrals", template="referrals/account_panel.html", order=40)
def account_page_referrals(*, account, **_):
    return referrals_for_account(account=account)
