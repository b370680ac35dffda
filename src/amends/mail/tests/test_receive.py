"""Mail in: what arrives becomes the right thing, once, inside its team."""

import io
import subprocess
import sys
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from amends.complaints.models import Channel, Complaint
from amends.mail.models import Direction, Mail, Mailbox
from amends.mail.services import Refused, conversation_answer, mail_receive
from amends.mail.tokens import reply_address
from amends.timeline.models import Event
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db


def mail(
    *,
    sender="Joanna Nowak <joanna@harbor.example>",
    to="support@north.example",
    subject="The labels arrived late",
    body="The order was due on Monday and came on Friday.",
    message_id="<first@harbor.example>",
    **headers,
) -> bytes:
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def delivery_report(failed: str, original_id: str) -> bytes:
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example>\n"
        b"To: support@north.example\n"
        b"Subject: Undelivered Mail Returned to Sender\n"
        b"Message-ID: <bounce-" + failed.encode() + b"@mx.example>\n"
        b"MIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\n\n'
        b"--b1\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
        b"--b1\nContent-Type: message/delivery-status\n\n"
        b"Reporting-MTA: dns; mx.example\n\n"
        b"Final-Recipient: rfc822; " + failed.encode() + b"\nAction: failed\nStatus: 5.1.1\n\n"
        b"--b1\nContent-Type: text/rfc822-headers\n\n"
        b"Message-ID: " + original_id.encode() + b"\nSubject: About the outage\n\n"
        b"--b1--\n"
    )


@pytest.fixture
def mailbox(people):
    return Mailbox.objects.create(team=people.north, address="support@north.example")


def test_it_opens_a_conversation_linked_to_the_sender_s_account(people, account):
    received = mail_receive(team=people.north, raw=mail(sender="JOANNA@Harbor.example"))
    assert received.outcome == "new"
    complaint = received.complaint
    assert complaint.channel == Channel.EMAIL
    assert complaint.account == account
    assert complaint.customer_email == "joanna@harbor.example"
    assert complaint.subject == "The labels arrived late"
    assert "came on Friday" in complaint.text
    assert received.mail.contact.name == "Joanna Nowak"
    assert Event.objects.filter(action="complaint.received", account_id=account.pk).exists()


def test_the_same_mail_twice_is_stored_once(people, account):
    first = mail_receive(team=people.north, raw=mail())
    second = mail_receive(team=people.north, raw=mail(Received="from relay by mx"))
    assert second.outcome == "duplicate"
    assert second.mail == first.mail
    assert Complaint.objects.count() == 1


def test_mail_without_a_message_id_is_known_by_its_bytes(people):
    raw = mail(message_id="")
    assert mail_receive(team=people.north, raw=raw).outcome == "new"
    assert mail_receive(team=people.north, raw=raw).outcome == "duplicate"
    assert Mail.objects.get().message_id.startswith("sha256:")


def test_the_same_mail_to_two_teams_is_each_team_s(people):
    mail_receive(team=people.north, raw=mail())
    assert mail_receive(team=people.south, raw=mail()).outcome == "new"
    assert Complaint.objects.count() == 2


def test_a_reply_to_a_received_mail_joins_its_thread(people, account):
    first = mail_receive(team=people.north, raw=mail())
    reply = mail_receive(
        team=people.north,
        raw=mail(
            subject="Re: The labels arrived late",
            body="And the second box is missing.\n\nOn Mon, Joanna wrote:\n> The order was due",
            message_id="<second@harbor.example>",
            In_Reply_To="<first@harbor.example>",
        ),
    )
    assert reply.outcome == "reply"
    assert reply.complaint == first.complaint
    assert reply.mail.text == "And the second box is missing."
    assert "The order was due" in reply.mail.quoted
    assert Event.objects.filter(action="mail.received", account_id=account.pk).exists()


def test_a_reference_to_another_team_s_thread_opens_a_new_conversation(people):
    south = mail_receive(team=people.south, raw=mail(to="support@south.example"))
    forged = mail_receive(
        team=people.north,
        raw=mail(message_id="<forged@x.example>", In_Reply_To="<first@harbor.example>"),
    )
    assert forged.outcome == "new"
    assert forged.complaint != south.complaint
    assert forged.complaint.team == people.north


def test_a_reply_address_token_finds_the_thread_and_a_forged_one_does_not(people, mailbox):
    first = mail_receive(team=people.north, raw=mail())
    token = reply_address(mailbox.address, "c", first.complaint.pk)
    found = mail_receive(
        team=people.north, raw=mail(to=token, subject="other words", message_id="<t@x>")
    )
    assert found.outcome == "reply" and found.complaint == first.complaint
    forged = token.replace(token.split("-")[1][:4], "0000")
    lost = mail_receive(team=people.north, raw=mail(to=forged, subject="x", message_id="<f@x>"))
    assert lost.outcome == "new"


def test_a_subject_tag_finds_the_thread_only_in_its_team(people):
    first = mail_receive(team=people.north, raw=mail())
    tagged = f"Re: labels [#{first.complaint.pk}]"
    again = mail_receive(team=people.north, raw=mail(subject=tagged, message_id="<s@x>"))
    assert again.complaint == first.complaint
    other = mail_receive(team=people.south, raw=mail(subject=tagged, message_id="<s2@x>"))
    assert other.outcome == "new" and other.complaint.team == people.south


@pytest.mark.parametrize(
    "headers, kind",
    [
        ({"Auto_Submitted": "auto-replied"}, "auto"),
        ({"X_Autoreply": "yes"}, "auto"),
        ({"Precedence": "auto_reply"}, "auto"),
        ({"X_Auto_Response_Suppress": "All"}, "auto"),
        ({"Precedence": "bulk"}, "list"),
        ({"List_Id": "<news.harbor.example>"}, "list"),
    ],
)
def test_automatic_and_list_mail_never_opens_a_conversation(people, headers, kind):
    received = mail_receive(team=people.north, raw=mail(**headers))
    assert received.outcome == kind
    assert received.mail.kind == kind
    assert not Complaint.objects.exists()


def test_an_out_of_office_answer_stays_in_its_thread(people):
    first = mail_receive(team=people.north, raw=mail())
    away = mail_receive(
        team=people.north,
        raw=mail(
            message_id="<away@x>",
            In_Reply_To="<first@harbor.example>",
            Auto_Submitted="auto-replied",
        ),
    )
    assert away.outcome == "auto" and away.mail.complaint == first.complaint
    assert Complaint.objects.count() == 1


def test_a_bounce_marks_the_contact_and_the_notice_letter(people, account):
    from amends.notices.models import NoticeRecipient

    contact = account.contacts.get()
    raw = delivery_report("joanna@harbor.example", "<notice-3-joanna@amends.test>")
    received = mail_receive(team=people.north, raw=raw)
    assert received.outcome == "bounce"
    assert not Complaint.objects.exists()
    contact.refresh_from_db()
    assert contact.bouncing_since is not None
    assert "joanna@harbor.example failed" in received.mail.notes
    # No notice was sent with that Message-ID: no letter is marked.
    assert not NoticeRecipient.objects.filter(bounced_at__isnull=False).exists()


def test_a_bounce_of_a_notice_letter_is_counted_on_the_notice(people, account, declare):
    from amends.notices.models import NoticeRecipient, NoticeRun
    from amends.notices.selectors import notice_counts

    run = NoticeRun.objects.create(incident=declare([account]), name="Outage")
    for line, email in enumerate(["gone@harbor.example", "here@harbor.example"], start=1):
        NoticeRecipient.objects.create(
            run=run, line=line, email=email, message_id=f"<notice-{line}@amends.test>"
        )
    report = delivery_report("gone@harbor.example", "<notice-1@amends.test>")
    assert mail_receive(team=people.north, raw=report).outcome == "bounce"
    assert notice_counts([run.pk])[run.pk].bounced == 1
    # The same report for another team's notice marks nothing there.
    other = delivery_report("here@harbor.example", "<notice-2@amends.test>")
    mail_receive(team=people.south, raw=other)
    assert notice_counts([run.pk])[run.pk].bounced == 1


def test_it_refuses_mail_without_a_sender_and_mail_over_the_limit(people, settings):
    with pytest.raises(Refused, match="From"):
        mail_receive(team=people.north, raw=mail(sender=""))
    settings.AMENDS_MAIL_MAX_MESSAGE_MB = 1
    with pytest.raises(Refused, match="size"):
        mail_receive(team=people.north, raw=mail(body="x" * (1024 * 1024 + 10)))
    assert not Mail.objects.exists()


def test_two_contacts_with_one_address_link_none_and_say_so(people, account):
    from amends.accounts.models import Contact

    Contact.objects.create(account=account, name="Joanna again", email="joanna@harbor.example")
    received = mail_receive(team=people.north, raw=mail())
    assert received.mail.contact is None
    assert "2 contacts have the address" in received.mail.notes


# -- answering --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_answer_goes_out_once_threaded_and_the_reply_comes_back(
    people, account, mailbox, smtp_server
):
    first = mail_receive(team=people.north, raw=mail())
    actor = Actor(user=people.agent, via="web")
    sent = conversation_answer(
        actor=actor, complaint=first.complaint, text="I am sorry. It ships today.", draft="d1"
    )
    again = conversation_answer(
        actor=actor, complaint=first.complaint, text="I am sorry. It ships today.", draft="d1"
    )
    assert again == sent
    assert smtp_server.wait_for(1)
    [out] = smtp_server.messages()
    assert out["In-Reply-To"] == "<first@harbor.example>"
    assert "<first@harbor.example>" in out["References"]
    assert out["Reply-To"] == reply_address(mailbox.address, "c", first.complaint.pk)
    assert out["From"] == "support@north.example"
    assert f"[#{first.complaint.pk}]" in out["Subject"]
    first.complaint.refresh_from_db()
    assert first.complaint.answered_at is not None

    # The customer answers that mail, naming it only by its Message-ID.
    back = mail_receive(
        team=people.north,
        raw=mail(subject="Re: thanks", message_id="<third@x>", In_Reply_To=out["Message-ID"]),
    )
    assert back.outcome == "reply" and back.complaint == first.complaint
    directions = list(
        Mail.objects.filter(complaint=first.complaint).values_list("direction", flat=True)
    )
    assert directions == [Direction.IN, Direction.OUT, Direction.IN]


def test_someone_who_may_only_read_cannot_answer(people, account, mailbox):
    from django.core.exceptions import PermissionDenied

    first = mail_receive(team=people.north, raw=mail())
    with pytest.raises(PermissionDenied):
        conversation_answer(
            actor=Actor(user=people.viewer, via="web"), complaint=first.complaint, text="hi"
        )


@pytest.mark.django_db(transaction=True)
def test_acknowledgements_go_once_a_day_and_never_to_automatic_mail(
    people, account, mailbox, smtp_server
):
    mailbox.acknowledge = True
    mailbox.save()
    first = mail_receive(team=people.north, raw=mail())
    mail_receive(
        team=people.north,
        raw=mail(message_id="<second@x>", In_Reply_To="<first@harbor.example>"),
    )
    mail_receive(team=people.north, raw=mail(message_id="<oof@x>", Auto_Submitted="auto-replied"))
    assert smtp_server.wait_for(1)
    [ack] = smtp_server.messages()
    assert ack["To"] == "Joanna Nowak <joanna@harbor.example>"
    assert f"[#{first.complaint.pk}]" in ack["Subject"]


# -- the pipe -------------------------------------------------------------------------


def test_the_pipe_command_stores_and_refuses_with_the_mail_server_s_exit_codes(people, monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(mail())))
    call_command("mail", "receive", "--team", "north", stdout=out)
    assert out.getvalue().startswith("new: first@harbor.example")

    err = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(mail(sender=""))))
    with pytest.raises(SystemExit) as refused:
        call_command("mail", "receive", "--team", "north", stderr=err)
    assert refused.value.code == 65
    assert "no sender address" in err.getvalue()

    with pytest.raises(SystemExit) as unknown:
        call_command("mail", "receive", "--team", "nowhere", stderr=io.StringIO())
    assert unknown.value.code == 65


def test_the_pipe_asks_the_mail_server_to_try_again_when_the_database_is_away(tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "db.sqlite3"
    result = subprocess.run(
        [sys.executable, "-m", "amends", "mail", "receive", "--team", "north"],
        input=mail(),
        capture_output=True,
        env={"AMENDS_DATABASE_URL": f"sqlite:///{missing}", "AMENDS_DEBUG": "1", "PATH": ""},
        check=False,
    )
    assert result.returncode == 75, result.stderr
    assert b"try again later" in result.stderr


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_defaults")
def test_a_reply_to_a_case_message_lands_on_the_case(
    people, account, declare, mailbox, smtp_server
):
    from amends.comms.models import MessageKind
    from amends.comms.services import Outgoing, message_send
    from amends.mail.selectors import case_conversation

    case = declare([account]).cases.get()
    sent = message_send(
        actor=Actor(user=people.agent, via="web"),
        outgoing=Outgoing(
            key=f"case:{case.pk}:apology",
            kind=MessageKind.APOLOGY,
            to_email="joanna@harbor.example",
            subject="I am sorry",
            body="I printed your forms with last year's date.",
            case=case,
        ),
    ).message
    assert smtp_server.wait_for(1)
    [apology] = smtp_server.messages()
    assert apology["Reply-To"] == reply_address(mailbox.address, "k", case.pk)
    assert apology["From"] == mailbox.address

    back = mail_receive(
        team=people.north,
        raw=mail(subject="Re: I am sorry", message_id="<r@x>", In_Reply_To=sent.message_id),
    )
    assert back.outcome == "reply" and back.case == case and back.complaint is None
    assert Event.objects.filter(action="mail.received", account_id=account.pk).exists()
    # Found by the reply address alone, too.
    by_address = mail_receive(
        team=people.north,
        raw=mail(to=apology["Reply-To"], subject="one more thing", message_id="<r2@x>"),
    )
    assert by_address.case == case
    said = [(item.direction, item.subject) for item in case_conversation(case=case)]
    assert said == [
        ("out", "I am sorry"),
        ("in", "Re: I am sorry"),
        ("in", "one more thing"),
    ]


def test_html_is_shown_only_made_safe():
    from amends.mail.parse import html_safe, html_to_text

    sent = (
        '<p onclick="steal()">Hello <b>there</b></p><script>alert(1)</script>'
        '<style>p{color:red}</style><img src="https://tracker.example/pixel.gif" alt="pixel">'
        '<img src="cid:logo@x" alt="logo"><a href="javascript:alert(1)">x</a>'
        '<a href="https://harbor.example/order">order</a><form action="/x"><input></form>'
    )
    safe = html_safe(sent)
    for gone in (
        "onclick",
        "<script",
        "alert(1)",
        "<style",
        "tracker.example",
        "javascript:",
        "<form",
        "<input",
    ):
        assert gone not in safe, gone
    assert "<b>there</b>" in safe and 'src="cid:logo@x"' in safe
    assert 'rel="noopener noreferrer nofollow"' in safe
    assert html_to_text(sent).startswith("Hello there\n")
    assert "alert" not in html_to_text(sent) and "color:red" not in html_to_text(sent)


def test_the_assignee_is_told_when_the_customer_writes_again(people, account):
    from amends.timeline.models import Notification, NotificationKind

    first = mail_receive(team=people.north, raw=mail())
    first.complaint.assignee = people.agent
    first.complaint.save()
    mail_receive(
        team=people.north,
        raw=mail(
            message_id="<again@x>", In_Reply_To="<first@harbor.example>", subject="Still late"
        ),
    )
    [told] = Notification.objects.filter(recipient=people.agent)
    assert told.kind == NotificationKind.CUSTOMER_WROTE
    assert "Still late" in told.summary and told.path == f"/inbox/{first.complaint.pk}/"
