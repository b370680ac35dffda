"""The bell (issue 15): what happened to me, read and unread, mine only; and each
notification mailed once by the worker."""

import pytest

from amends.timeline.models import Notification, NotificationKind
from amends.timeline.services import Actor, notification_send
from conftest import login

pytestmark = pytest.mark.django_db


def tell(people, to, summary="Given to you", path="/cases/"):
    return notification_send(
        actor=Actor(user=people.manager, via="web"),
        recipient=to,
        kind=NotificationKind.ASSIGNED,
        summary=summary,
        path=path,
    )


def test_the_bell_counts_the_unread_and_opening_one_reads_it(client, people):
    first = tell(people, people.agent, "mia gave you the case of Harbor", "/accounts/")
    tell(people, people.agent, "mia gave you a conversation")
    tell(people, people.outsider, "not for alex")
    login(client, people.agent)
    page = client.get("/notifications/").content.decode()
    assert "mia gave you the case of Harbor" in page and "not for alex" not in page
    assert 'class="count-badge">2<' in page
    opened = client.post(f"/notifications/{first.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == "/accounts/"
    first.refresh_from_db()
    assert first.read_at is not None
    client.post("/notifications/read/")
    assert not Notification.objects.filter(recipient=people.agent, read_at__isnull=True).exists()
    assert Notification.objects.get(recipient=people.outsider).read_at is None


def test_nobody_opens_another_s_notification_or_is_sent_off_site(client, people):
    theirs = tell(people, people.outsider)
    login(client, people.agent)
    assert client.post(f"/notifications/{theirs.pk}/open/").status_code == 404
    elsewhere = tell(people, people.agent, path="//evil.example/x")
    assert client.post(f"/notifications/{elsewhere.pk}/open/")["Location"] == "/notifications/"
    assert client.get(f"/notifications/{theirs.pk}/open/").status_code == 405


def test_nobody_is_told_what_they_did_themselves(people):
    assert tell(people, people.manager) is None


@pytest.mark.django_db(transaction=True)
def test_the_worker_mails_each_notification_once(people, smtp_server):
    from amends.reminders.services import notifications_mail

    people.agent.email = "alex@north.example"
    people.agent.save()
    tell(people, people.agent, "mia gave you the case of Harbor", "/cases/1/")
    tell(people, people.viewer, "vic has no address")
    assert notifications_mail() == 1
    assert notifications_mail() == 0
    assert smtp_server.wait_for(1)
    [sent] = smtp_server.messages()
    assert sent["Subject"] == "mia gave you the case of Harbor"
    assert "/cases/1/" in sent.get_content()
    assert not Notification.objects.filter(mailed_at__isnull=True).exists()
