"""Mail through the API: a conversation's mail, answering by mail, a raw upload;
and the outsiders who must see none of it."""

import pytest

from amends.complaints.models import Complaint
from amends.mail.models import Mail, Mailbox
from amends.mail.tests.test_receive import mail

pytestmark = pytest.mark.django_db


def raw_upload(client, people, raw, *, team="north", user=None):
    from amends.people.services import token_create

    secret = token_create(user=user or people.agent, name="raw").secret
    return client.post(
        f"/api/v1/mail/raw?team={team}",
        raw,
        content_type="message/rfc822",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def test_a_raw_upload_follows_the_pipe_s_rules(client, people, account):
    first = raw_upload(client, people, mail())
    assert first.status_code == 200, first.content
    assert first.json()["outcome"] == "new"
    assert raw_upload(client, people, mail()).json()["outcome"] == "duplicate"
    refused = raw_upload(client, people, mail(sender=""))
    assert refused.status_code == 400
    assert "no sender address" in refused.json()["message"]
    assert Complaint.objects.count() == 1


def test_an_outsider_cannot_upload_to_a_team_or_read_its_mail(client, people, account, call):
    assert raw_upload(client, people, mail(), user=people.outsider).status_code == 404
    assert raw_upload(client, people, mail(), user=people.viewer).status_code == 403
    assert not Mail.objects.exists()
    stored = raw_upload(client, people, mail()).json()
    conversation = stored["mail"]["conversation_id"]
    assert (
        call("get", f"/api/v1/complaints/{conversation}/mails", user=people.outsider).status_code
        == 404
    )
    answer = {"text": "Hello"}
    url = f"/api/v1/complaints/{conversation}/mails"
    assert call("post", url, answer, user=people.outsider).status_code == 404
    assert call("post", url, answer, user=people.viewer).status_code == 403
    files = client.get("/mail/files/1/")
    assert files.status_code == 302  # the login page first


@pytest.mark.django_db(transaction=True)
def test_a_conversation_s_mail_and_an_answer_by_mail(client, people, account, call, smtp_server):
    Mailbox.objects.create(team=people.north, address="support@north.example")
    stored = raw_upload(client, people, mail()).json()
    conversation = stored["mail"]["conversation_id"]
    url = f"/api/v1/complaints/{conversation}/mails"
    sent = call("post", url, {"text": "I am sorry; it ships today.", "draft": "a1"})
    assert sent.status_code == 201, sent.content
    assert sent.json()["direction"] == "out"
    again = call("post", url, {"text": "I am sorry; it ships today.", "draft": "a1"})
    assert again.json()["id"] == sent.json()["id"]
    assert smtp_server.wait_for(1)
    listed = call("get", url).json()
    assert [item["direction"] for item in listed] == ["in", "out"]
    assert listed[0]["subject"] == "The labels arrived late"


def test_a_conversation_can_be_classified(people, account, call):
    from amends.mail.services import mail_receive

    received = mail_receive(team=people.north, raw=mail())
    url = f"/api/v1/complaints/{received.complaint.pk}/kind"
    assert call("post", url, {"kind": "praise"}).json()["kind"] == "praise"
    assert call("post", url, {"kind": "gossip"}).status_code == 422
    assert call("post", url, {"kind": "question"}, user=people.outsider).status_code == 404


def test_a_file_is_downloaded_by_its_team_only(client, people, account):
    from email.message import EmailMessage

    from amends.mail.services import mail_receive
    from conftest import login

    message = EmailMessage()
    message["From"] = "joanna@harbor.example"
    message["To"] = "support@north.example"
    message["Subject"] = "The invoice"
    message["Message-ID"] = "<invoice@harbor.example>"
    message.set_content("See the file.")
    message.add_attachment(
        b"<script>alert(1)</script>", maintype="text", subtype="html", filename="faktura.html"
    )
    received = mail_receive(team=people.north, raw=message.as_bytes())
    [file] = received.mail.attachments.all()
    login(client, people.agent)
    got = client.get(f"/mail/files/{file.pk}/")
    assert got.status_code == 200
    assert got["Content-Disposition"].startswith("attachment")
    assert got["Content-Type"] == "application/octet-stream"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert b"".join(got.streaming_content) == b"<script>alert(1)</script>"
    login(client, people.outsider)
    assert client.get(f"/mail/files/{file.pk}/").status_code == 404
