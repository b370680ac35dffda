import pytest

from amends.mail.models import Mailbox, Security
from amends.mail.vault import secret_seal


@pytest.fixture
def box(people, imap_mailbox):
    """Team North's mailbox, on the session's Dovecot."""
    return Mailbox.objects.create(
        team=people.north,
        address="support@north.example",
        imap_host=imap_mailbox.host,
        imap_port=imap_mailbox.port,
        imap_security=Security.NONE,
        imap_user="north",
        imap_password=secret_seal(imap_mailbox.users["north"]),
    )
