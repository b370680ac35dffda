"""Reminders through a real SMTP server: a digest once a day per person, only
with something in it, and escalation mail at once, once, however often the
worker runs."""

from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from amends.comms.models import Message, MessageKind, MessageState
from amends.core.periodic import periodic_enqueue_due
from amends.recovery.escalation import deadlines_check
from amends.recovery.models import Escalation, Playbook
from amends.recovery.opening import case_open
from amends.recovery.services import step_complete
from amends.reminders.services import digests_send, escalations_notify
from amends.reminders.tasks import digests
from amends.shell.management.commands.worker import tasks_load
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def emails(people):
    for user, email in [
        (people.agent, "alex@north.example"),
        (people.manager, "mia@north.example"),
    ]:
        user.email = email
        user.save()
    return people


@pytest.fixture
def case(declare, account, emails):
    return declare([account]).cases.get()


def _at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour)), timezone.get_current_timezone())


def _tomorrow_at(hour):
    # A case opened now has its first step due within two hours: late by then.
    return _at(timezone.localdate() + timedelta(days=1), hour)


def test_a_digest_goes_once_a_day_with_what_is_late(smtp_server, people, case):
    now = _tomorrow_at(9)
    assert digests_send(now=now) == 1
    assert digests_send(now=now + timedelta(hours=3)) == 0

    assert smtp_server.wait_for(1)
    mails = smtp_server.to("alex@north.example")
    assert len(mails) == 1
    assert mails[0]["Subject"].startswith("Your day in Amends:") and "late" in mails[0]["Subject"]
    body = mails[0].get_content()
    assert "Harbor Printing Ltd: Tell them first" in body
    assert f"/cases/{case.pk}/" in body and "/cases/" in body
    # The manager has nothing of her own today, and vic has no address: no mail.
    assert smtp_server.to("mia@north.example") == []
    message = Message.objects.get(kind=MessageKind.DIGEST)
    assert message.key == f"digest:{people.agent.pk}:{timezone.localdate(now).isoformat()}"
    assert message.state == MessageState.SENT

    # The next day brings the next one.
    assert digests_send(now=now + timedelta(days=1)) == 1
    assert smtp_server.wait_for(2)
    assert len(smtp_server.to("alex@north.example")) == 2


def test_no_digest_when_nothing_is_due_or_no_address(smtp_server, people, case):
    for step in case.steps.all():
        step.done_at = timezone.now()
        step.save()
    assert digests_send(now=_tomorrow_at(9)) == 0
    people.agent.email = ""
    people.agent.save()
    case.steps.update(done_at=None)
    assert digests_send(now=_tomorrow_at(9)) == 0
    assert not Message.objects.exists()
    assert not smtp_server.wait_for(1, timeout=0.3)


def test_the_worker_sends_the_digest_after_the_hour_once(
    smtp_server, settings, people, case, run_tasks
):
    settings.AMENDS_DIGEST_HOUR = 7
    digest = "amends.reminders.tasks.digests"
    tasks_load()
    assert digest not in periodic_enqueue_due(now=_tomorrow_at(6))  # too early
    assert digest in periodic_enqueue_due(now=_tomorrow_at(8))
    assert digest not in periodic_enqueue_due(now=_tomorrow_at(9))  # claimed today
    assert "digests" in run_tasks()
    # Run again (a second worker, a retry), the digest's key keeps it to one.
    digests.call(slot=_tomorrow_at(7).isoformat())
    assert smtp_server.wait_for(1)
    assert len(smtp_server.to("alex@north.example")) == 1


def test_an_escalation_mails_its_recipient_once(smtp_server, people, case):
    late = case.steps.get(key="first_contact")
    now = late.due_at + timedelta(hours=30)
    assert deadlines_check(now=now) > 0
    expected = Escalation.objects.exclude(recipient__email="").count()
    to_mia = Escalation.objects.filter(recipient=people.manager).count()
    assert to_mia >= 1

    assert escalations_notify(now=now) == expected
    assert escalations_notify(now=now) == 0
    deadlines_check(now=now + timedelta(minutes=1))
    assert escalations_notify(now=now + timedelta(minutes=1)) == 0

    assert smtp_server.wait_for(expected)
    assert not smtp_server.wait_for(expected + 1, timeout=0.3)
    mails = smtp_server.to("mia@north.example")
    assert len(mails) == to_mia
    manager_mail = next(m for m in mails if "Tell them first" in m["Subject"])
    assert (
        manager_mail["Subject"]
        == "Escalated to you: Late step: Tell them first (Harbor Printing Ltd)"
    )
    assert "(Manager)" in manager_mail.get_content()
    assert f"/cases/{case.pk}/" in manager_mail.get_content()
    assert Message.objects.filter(kind=MessageKind.ESCALATION).count() == expected
    # On the account's timeline, as every message sent about a case.
    assert case.account.events.filter(action="message.sent.escalation").count() == expected


def test_no_mail_for_an_escalation_already_dealt_with_or_old(smtp_server, people, case):
    late = case.steps.get(key="first_contact")
    now = late.due_at + timedelta(hours=1)
    deadlines_check(now=now)
    late.case.records.create(kind="contact", at=now, by=people.agent, data={})
    step_complete(actor=Actor(user=people.agent, via="web"), step=late, now=now)
    assert escalations_notify(now=now) == 0
    deadlines_check(now=now + timedelta(days=3))
    # Raised more than a day ago: not news any more.
    assert escalations_notify(now=now + timedelta(days=5)) == 0


# The worker closes its database connections as a long-running process must: outside
# a wrapping test transaction, with the shipped playbooks loaded again after a flush.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_defaults")
def test_the_worker_mails_escalations_once_across_two_runs(smtp_server, settings, account, emails):
    settings.AMENDS_DIGEST_HOUR = 24  # no digest in this test
    agent = emails.agent
    case_open(
        actor=Actor(user=agent, via="web"),
        account=account,
        playbook=Playbook.objects.get(kind="thaw"),
        severity=1,
        owner=agent,
        now=timezone.now() - timedelta(days=3),
    )
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    call_command("worker", "--once", stdout=out)

    raised = Escalation.objects.exclude(recipient__email="").count()
    assert raised > 0
    assert smtp_server.wait_for(raised)
    assert not smtp_server.wait_for(raised + 1, timeout=0.5)
    assert (
        Message.objects.filter(kind=MessageKind.ESCALATION, state=MessageState.SENT).count()
        == raised
    )
    # The second run, in the same minute, finds the job's slot claimed.
    assert out.getvalue().count("Enqueued amends.reminders.tasks.escalations_raise_and_mail") == 1
    # It ran once (PostgreSQL's jsonb gives the result's keys in its own order).
    ran = [line for line in out.getvalue().splitlines() if line.startswith("escalations_raise")]
    assert len(ran) == 1 and f"'mailed': {raised}" in ran[0]


def test_remind_digest_runs_by_hand(smtp_server, settings, people, case):
    settings.AMENDS_DIGEST_HOUR = 23
    # Late by now whatever the hour: the case opened two days ago.
    case.steps.update(due_at=timezone.now() - timedelta(hours=1))
    out = StringIO()
    call_command("remind", "digest", stdout=out)
    call_command("remind", "digest", stdout=out)
    assert "1 digest(s) sent." in out.getvalue() and "0 digest(s) sent." in out.getvalue()
    assert smtp_server.wait_for(1)
    assert len(smtp_server.to("alex@north.example")) == 1
    call_command("remind", "escalations", stdout=out)
    assert "0 escalation mail(s) sent." in out.getvalue()


def test_a_promise_due_today_rings_its_owner_s_bell_once(people, case):
    """Issue 15, item 7: the digest's "due today" promises, in the bell, once a day."""
    from amends.recovery.services import commitment_add
    from amends.reminders.services import due_today_notify
    from amends.timeline.models import Notification, NotificationKind

    morning = _tomorrow_at(8)
    promise = commitment_add(
        actor=Actor(user=people.agent, via="web"),
        case=case,
        what="Reprint every form",
        measure="Counted",
        owner=people.manager,
        due_at=_tomorrow_at(15),
    )
    commitment_add(  # due the day after: not today's
        actor=Actor(user=people.agent, via="web"),
        case=case,
        what="Call again",
        measure="Called",
        owner=people.manager,
        due_at=_tomorrow_at(15) + timedelta(days=1),
    )
    assert due_today_notify(now=morning) == 1
    assert due_today_notify(now=morning + timedelta(minutes=1)) == 0
    rung = Notification.objects.get(kind=NotificationKind.DUE_TODAY)
    assert rung.recipient == people.manager and rung.read_at is None
    assert rung.path == f"/cases/{case.pk}/#commitment-{promise.pk}"
    assert "Harbor Printing Ltd" in rung.summary and "Reprint every form" in rung.summary
    assert rung.mailed_at is not None  # the digest mails it, not the bell
    # The next day the other promise rings; the kept one never again.
    assert due_today_notify(now=morning + timedelta(days=1)) == 1
    # A paused case's promises wait with its clock, as in the digest.
    case.paused_at = morning
    case.save(update_fields=["paused_at"])
    assert due_today_notify(now=morning + timedelta(days=2)) == 0
