"""The background work of mail, as Django tasks, run by ``amends worker``."""

from django.tasks import task

from amends.core.periodic import MINUTE, every, periodic
from amends.mail.imap import mailboxes_poll_all


@periodic(every(MINUTE), "every minute")
@task(priority=5)
def mailboxes_poll(slot: str = "") -> int:
    """Collect the mail waiting in every team's IMAP mailbox."""
    return mailboxes_poll_all()
