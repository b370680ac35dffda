"""What parting shows on the pages of the apps below it (registered in apps.py):
progress updates due on My work and in the daily digest, and the exit plan with
its feedback form on the customer's page."""

from amends.core.parts import page_part
from amends.parting.forms import FeedbackForm
from amends.parting.models import ExitPlan
from amends.parting.selectors import exit_updates_due


@page_part("my_work", "updates_due")
@page_part("digest", "updates_due")
def updates_due(*, user, now, **_):
    return exit_updates_due(user=user, now=now)


@page_part("customer_page", "exit", template="parting/_customer_feedback.html")
def customer_page_exit(*, case, **_):
    return ExitPlan.objects.filter(case=case).first()


@page_part("customer_page", "exit_feedback_form")
def customer_page_feedback_form(**_):
    return FeedbackForm()
