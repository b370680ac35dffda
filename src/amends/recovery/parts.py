"""What recovery shows on the accounts app's pages (registered in apps.py)."""

from amends.core.parts import page_part
from amends.recovery.selectors import case_list_for_account, case_progress


@page_part("account_page", "cases")
def account_page_cases(*, account, **_):
    return case_list_for_account(account_id=account.pk)


@page_part("incident_page", "progress")
def incident_page_progress(*, cases, now, **_):
    """Steps done of all, late steps and broken promises of each listed case, by id
    (``case_progress``); the incident's page shows them in each case's row."""
    return case_progress(cases, now=now)
