import io

import pytest
from django.core.exceptions import PermissionDenied

from amends.comms.models import Message, MessageState
from amends.comms.services import Outgoing, message_send, messages_recover
from amends.timeline.models import Event
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(declare, account):
    return declare([account]).cases.get()


def _apology(case, key="case:1:apology:joanna@harbor.example"):
    return Outgoing(
        key=key,
        kind="apology",
        to_email="joanna@harbor.example",
        to_name="Joanna Nowak",
        subject="I am sorry about the forms",
        body="I am sorry. I will reprint every form by Friday.\n\nAlex",
        case=case,
    )


def test_it_sends_through_smtp_once_however_often_it_is_asked(smtp_server, people, case):
    actor = Actor(user=people.agent, via="web")
    first = message_send(actor=actor, outgoing=_apology(case))
    second = message_send(actor=actor, outgoing=_apology(case))

    assert first.sent_now and not first.already_sent
    assert second.already_sent and not second.sent_now
    assert smtp_server.wait_for(1)
    got = smtp_server.to("joanna@harbor.example")
    assert len(got) == 1
    assert got[0]["Subject"] == "I am sorry about the forms"
    assert got[0]["Message-ID"] == first.message.message_id
    assert "reprint every form" in got[0].get_content()
    assert Message.objects.get().state == MessageState.SENT
    event = Event.objects.get(action="message.sent.apology")
    assert event.account_id == case.account_id and "reprint every form" in event.after["body"]


def test_a_deliberate_resend_goes_again_as_its_own_row(smtp_server, people, case):
    actor = Actor(user=people.agent, via="web")
    first = message_send(actor=actor, outgoing=_apology(case))
    again = message_send(actor=actor, outgoing=_apology(case), resend=True)
    assert again.sent_now and again.message.resend_of == first.message
    assert smtp_server.wait_for(2)
    assert len(smtp_server.to("joanna@harbor.example")) == 2


def test_a_failed_send_is_kept_and_retried(settings, people, case, smtp_server):
    port = smtp_server.port
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 1},
        }
    }
    result = message_send(actor=Actor(user=people.agent, via="web"), outgoing=_apology(case))
    assert not result.sent_now and result.message.state == MessageState.FAILED
    # Refused by the mail server: nothing was said, so no apology is on record yet.
    assert not case.records.filter(kind="apology").exists()
    settings.MAILERS["default"]["OPTIONS"]["port"] = port
    assert messages_recover() == 1
    assert smtp_server.wait_for(1)
    assert Message.objects.get().state == MessageState.SENT
    # Delivered by the worker's retry: the apology is on record, once.
    assert case.records.filter(kind="apology").count() == 1
    assert messages_recover() == 0
    assert case.records.filter(kind="apology").count() == 1


def test_a_viewer_or_an_outsider_sends_nothing(people, case):
    for person in (people.viewer, people.outsider):
        with pytest.raises(PermissionDenied):
            message_send(actor=Actor(user=person, via="web"), outgoing=_apology(case))
    assert not Message.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_defaults")
def test_a_message_goes_only_after_the_transaction_that_records_it_commits(
    people, declare, account
):
    from django.core import mail
    from django.db import transaction

    case = declare([account]).cases.get()
    actor = Actor(user=people.agent, via="web")
    with transaction.atomic():
        result = message_send(actor=actor, outgoing=_apology(case))
        assert mail.outbox == [] and not result.sent_now
    assert len(mail.outbox) == 1
    assert Message.objects.get().state == MessageState.SENT

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        message_send(actor=actor, outgoing=_apology(case, key="case:1:apology:again"))
        raise Undo
    assert len(mail.outbox) == 1  # the rolled-back one never went
    assert not Message.objects.filter(key="case:1:apology:again").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_defaults")
def test_the_worker_sends_what_a_dead_sender_left_behind(people, declare, account, smtp_server):
    # Transactional: the worker closes and reopens its database connection each round.
    case = declare([account]).cases.get()
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from amends.comms.services import message_queue

    actor = Actor(user=people.agent, via="web")
    hung, _ = message_queue(actor=actor, outgoing=_apology(case))
    long_ago = timezone.now() - timedelta(hours=1)
    Message.objects.filter(pk=hung.pk).update(state=MessageState.SENDING, claimed_at=long_ago)
    never, _ = message_queue(actor=actor, outgoing=_apology(case, key="case:1:apology:other"))
    Message.objects.filter(pk=never.pk).update(created_at=long_ago)

    call_command("worker", "--once", stdout=io.StringIO())

    assert smtp_server.wait_for(2)
    assert set(Message.objects.values_list("state", flat=True)) == {MessageState.SENT}
    got = smtp_server.to("joanna@harbor.example")
    assert {m["Message-ID"].strip() for m in got} == {hung.message_id, never.message_id}


def test_an_apology_sent_from_the_composer_is_the_case_s_apology_once(smtp_server, people, case):
    """Record once: the words sent are the apology on record, the coach's reading beside
    them; the step completes itself; sending again records nothing more."""
    actor = Actor(user=people.agent, via="web")
    message_send(actor=actor, outgoing=_apology(case))
    message_send(actor=actor, outgoing=_apology(case))
    record = case.records.get(kind="apology")
    assert record.by == people.agent and record.data["channel"] == "email"
    assert record.data["words"].startswith("I am sorry. I will reprint")
    assert record.data["sent_as"] == "I am sorry about the forms (joanna@harbor.example)"
    assert record.data["coach"].split(":")[0].count("/") == 1
    assert case.steps.get(key="apology").done_at is not None
    regrets = Outgoing(
        **{
            **_apology(case).__dict__,
            "key": "case:1:explanation:x",
            "kind": "explanation",
            "body": "The company regrets the old template.",
        }
    )
    message_send(actor=actor, outgoing=regrets)
    explained = case.records.get(kind="explanation")
    assert explained.data["text"] == "The company regrets the old template."
    assert case.steps.get(key="explanation").done_at is not None
