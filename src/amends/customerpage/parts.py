"""What the customer's page shows on the case page of recovery, the app below (registered in
apps.py): the customer's page, its live link and the updates posted."""

from amends.core.parts import page_part
from amends.customerpage.models import CaseShare
from amends.customerpage.selectors import share_live_for


@page_part("case_page", "customer_page", template="customerpage/case_share.html", order=20)
def case_page_customer_page(*, case, **_):
    share = share_live_for(case=case)
    # Only without a live link does the page say whether an earlier one was revoked.
    revoked = share is None and CaseShare.objects.filter(case=case).exists()
    return {
        "share": share,
        "revoked": revoked,
        "updates": list(case.updates.select_related("posted_by")),
    }
