"""Collecting mail from a real IMAP server (Dovecot on loopback)."""

import pytest

from amends.complaints.models import Complaint
from amends.mail.imap import DONE, MailboxError, mailbox_poll, mailbox_test, mailboxes_poll_all
from amends.mail.models import Mail
from amends.mail.services import mail_receive, poll_claim
from amends.mail.tests.test_receive import mail
from amends.mail.vault import secret_seal

pytestmark = pytest.mark.django_db


def test_it_collects_each_mail_once_and_marks_it(people, account, box, imap_mailbox):
    imap_mailbox.append("north", mail())
    imap_mailbox.append("north", mail(message_id="<two@x>", subject="Second"))
    result = mailbox_poll(box)
    assert (result.stored, result.duplicates) == (2, 0)
    assert Complaint.objects.filter(team=people.north).count() == 2
    flags = [found for _raw, found in imap_mailbox.fetch_all("north")]
    assert all(DONE.decode() in found and "\\Seen" in found for found in flags)
    again = mailbox_poll(box)
    assert (again.stored, again.duplicates) == (0, 0)


def test_a_poll_cut_short_before_marking_stores_nothing_twice(people, box, imap_mailbox):
    raw = mail()
    imap_mailbox.append("north", raw)
    mail_receive(team=people.north, raw=raw)  # stored, then the poller died
    result = mailbox_poll(box)
    assert (result.stored, result.duplicates) == (0, 1)
    assert Mail.objects.count() == 1


def test_read_mail_can_be_moved_to_a_folder(people, box, imap_mailbox):
    imap_mailbox.create_folder("north", "Amends")
    box.imap_done_folder = "Amends"
    box.save()
    imap_mailbox.append("north", mail())
    assert mailbox_poll(box).stored == 1
    assert imap_mailbox.count("north", "INBOX") == 0
    assert imap_mailbox.count("north", "Amends") == 1


def test_refused_mail_is_marked_so_it_is_not_refused_every_minute(people, box, imap_mailbox):
    imap_mailbox.append("north", mail(sender=""))
    result = mailbox_poll(box)
    assert result.stored == 0 and "no sender" in result.refused[0]
    assert mailbox_poll(box).refused == []


def test_a_team_reads_only_its_own_mailbox(people, box, imap_mailbox):
    imap_mailbox.append("south", mail())
    assert mailbox_poll(box).stored == 0
    assert not Mail.objects.exists()


def test_a_wrong_password_is_said_in_words_and_kept_on_the_mailbox(people, box, imap_mailbox):
    box.imap_password = secret_seal("not it")
    box.save()
    with pytest.raises(MailboxError):
        mailbox_test(box)
    mailboxes_poll_all()
    box.refresh_from_db()
    assert box.poll_error and box.claimed_until is None


def test_the_password_may_come_from_the_environment(people, box, imap_mailbox, monkeypatch):
    box.imap_password, box.imap_password_env = "", "NORTH_IMAP"
    box.save()
    with pytest.raises(MailboxError, match="NORTH_IMAP is not set"):
        mailbox_test(box)
    monkeypatch.setenv("NORTH_IMAP", imap_mailbox.users["north"])
    imap_mailbox.append("north", mail())
    assert "1 not yet collected" in mailbox_test(box)


def test_a_second_worker_leaves_a_mailbox_being_polled_alone(people, box):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    assert poll_claim(mailbox=box, now=now, hold=timedelta(minutes=10))
    assert not poll_claim(mailbox=box, now=now, hold=timedelta(minutes=10))
    # A worker that died holding it: after the hold, another takes it.
    assert poll_claim(mailbox=box, now=now + timedelta(minutes=11), hold=timedelta(minutes=10))


def test_a_password_sealed_under_another_key_asks_to_be_entered_again(
    people, box, imap_mailbox, settings
):
    settings.SECRET_KEY = "another key entirely, at least fifty characters long, really"
    with pytest.raises(MailboxError, match="enter it again"):
        mailbox_test(box)


def test_a_manager_saves_the_mailbox_with_its_password_sealed(people):
    from django.core.exceptions import PermissionDenied

    from amends.mail.services import mailbox_save
    from amends.mail.vault import secret_open
    from amends.timeline.services import Actor

    fields = {"address": "support@north.example", "imap_host": "imap.north.example"}
    saved = mailbox_save(
        actor=Actor(user=people.manager, via="web"), team=people.north, password="s3cret", **fields
    )
    assert saved.imap_password != "s3cret" and secret_open(saved.imap_password) == "s3cret"
    kept = mailbox_save(actor=Actor(user=people.manager, via="web"), team=people.north, **fields)
    assert secret_open(kept.imap_password) == "s3cret"
    with pytest.raises(PermissionDenied):
        mailbox_save(actor=Actor(user=people.agent, via="web"), team=people.north, **fields)
