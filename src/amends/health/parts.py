"""What health shows on the accounts app's pages (registered in apps.py)."""

from amends.core.parts import page_part
from amends.health.selectors import account_health_explain, revenue_at_risk


@page_part("account_page", "health", template="health/account_panel.html", order=10)
def account_page_health(*, account, **_):
    return account_health_explain(account=account)


@page_part("account_list", "revenue_at_risk")
def account_list_revenue_at_risk(*, user, team, **_):
    return revenue_at_risk(user=user, team=team)
