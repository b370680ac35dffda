"""What recovery shows on the accounts app's pages (registered in apps.py)."""

from amends.core.parts import page_part
from amends.recovery.selectors import case_list_for_account, case_progress


@page_part("account_page", "cases")
def account_page_cases(*, account, **_):
    return case_list_for_account(account_id=account.pk)


@page_part("incident_page", "progress")
def incident_page_progress(*, cases, now, **_):
    return case_progress(cases, now=now)


@page_part("incident_page", "progress_template")
def incident_page_progress_template(**_):
    return "recovery/progress.html"  # one case's progress, in its row of the table
