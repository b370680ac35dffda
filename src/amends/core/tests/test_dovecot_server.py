"""The IMAP test server itself: a private dovecot per worker (scripts/dovecot_server.py)."""

import imaplib

import pytest

# Bytes a mail client could mangle: CRLF, a long folded header, 8-bit UTF-8, a
# trailing space and a line that starts with a dot.
RAW = (
    b"From: Joanna Nowak <joanna@harbor.example>\r\n"
    b"To: north@amends.example\r\n"
    b"Subject: =?utf-8?q?Die_Formulare_f=C3=BCr_2024?=\r\n"
    b"Message-ID: <forms-2024@harbor.example>\r\n"
    b"X-Long: " + b"word " * 30 + b"\r\n\tcontinued\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Gr\xc3\xbc\xc3\x9fe aus Krak\xc3\xb3w \r\n"
    b".a line with a dot\r\n"
)


def message(subject: str) -> bytes:
    return f"From: someone@example.com\r\nSubject: {subject}\r\n\r\n{subject}\r\n".encode()


def test_a_message_comes_back_byte_for_byte_with_its_flags(imap_mailbox):
    imap_mailbox.append("north", RAW, flags=["\\Seen", "\\Flagged"])
    imap_mailbox.append("north", message("second"))

    assert imap_mailbox.count("north") == 2
    assert imap_mailbox.fetch_all("north") == [
        (RAW, {"\\Seen", "\\Flagged"}),
        (message("second"), set()),
    ]


def test_a_user_sees_only_their_own_mail(imap_mailbox):
    imap_mailbox.append("south", message("for south only"))
    imap_mailbox.append("north", message("for north"))

    with imaplib.IMAP4(imap_mailbox.host, imap_mailbox.port) as client:
        client.login("north", imap_mailbox.users["north"])
        client.select("INBOX", readonly=True)
        status, found = client.search(None, "SUBJECT", '"for south"')
        assert status == "OK" and found == [b""]
        client.logout()
    assert [raw for raw, _ in imap_mailbox.fetch_all("north")] == [message("for north")]
    assert [raw for raw, _ in imap_mailbox.fetch_all("south")] == [message("for south only")]

    with (
        imaplib.IMAP4(imap_mailbox.host, imap_mailbox.port) as client,
        pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"),
    ):
        client.login("north", imap_mailbox.users["south"])


def test_messages_can_be_copied_and_moved_into_a_new_folder(imap_mailbox):
    imap_mailbox.create_folder("north", "Done/2024")
    for subject in ("one", "two", "three"):
        imap_mailbox.append("north", message(subject))

    with imap_mailbox.connect("north") as client:
        client.select("INBOX")
        assert client.copy("1", '"Done/2024"')[0] == "OK"
        uids = client.uid("SEARCH", "ALL")[1][0].split()
        assert client.uid("MOVE", uids[2], '"Done/2024"')[0] == "OK"
        client.logout()

    assert [raw for raw, _ in imap_mailbox.fetch_all("north", "Done/2024")] == [
        message("one"),
        message("three"),
    ]
    assert [raw for raw, _ in imap_mailbox.fetch_all("north")] == [
        message("one"),
        message("two"),
    ]
    assert imap_mailbox.count("south", "INBOX") == 0


def test_every_test_starts_with_empty_mailboxes(imap_mailbox):
    imap_mailbox.create_folder("south", "Left over")
    imap_mailbox.append("south", message("left over"), folder="Left over")

    imap_mailbox.clear("south")

    assert imap_mailbox.folders("south") == ["INBOX"]
    assert imap_mailbox.count("south") == 0
