"""Every mail of the corpus (tests/corpus, manifest.json) is stored as it should be or
refused with a reason: none crashes, none is stored twice, none leaks across teams."""

import json
from pathlib import Path

import pytest

from amends.comms.models import Message, MessageKind
from amends.complaints.models import Complaint
from amends.mail.models import Mail
from amends.mail.services import Refused, mail_receive
from amends.mail.tests.corpus.make_corpus import large_message, many_attachments
from amends.mail.tokens import token_for

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent / "corpus"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
BY_FILE = {entry["file"]: entry for entry in MANIFEST}
GENERATED = {"generated:large": large_message, "generated:many-attachments": many_attachments}


def _bytes(entry: dict) -> bytes:
    if entry["file"] in GENERATED:
        return GENERATED[entry["file"]](**entry.get("args", {}))
    return (CORPUS / entry["file"]).read_bytes()


class World:
    """The teams, and what the corpus refers to: mail we sent, earlier mail received."""

    def __init__(self, people, case):
        self.teams = {"north": people.north, "south": people.south}
        self.case = case
        self.received: dict[str, Mail] = {}

    def sent(self, message_id: str) -> None:
        Message.objects.create(
            key=f"corpus:{message_id}",
            kind=MessageKind.APOLOGY,
            case=self.case,
            account=self.case.account,
            recipient_email="joanna@harbor.example",
            subject="I am sorry",
            body="…",
            message_id=message_id,
            state="sent",
        )

    def receive(self, entry: dict):
        raw = _bytes(entry)
        parent = self.received.get(entry["parent"] or "")
        if parent is not None and parent.complaint_id:
            raw = raw.replace(b"{token}", token_for("c", parent.complaint_id).encode())
            raw = raw.replace(b"{conversation}", str(parent.complaint_id).encode())
        return mail_receive(team=self.teams[entry["team"]], raw=raw)

    def prepare(self, entry: dict) -> None:
        if entry["replies_to_sent"]:
            self.sent(entry["replies_to_sent"])
        if entry["parent"]:
            parent = BY_FILE[entry["parent"]]
            self.prepare(parent)
            self.received[parent["file"]] = self.receive(parent).mail


@pytest.fixture
def world(people, account, declare):
    return World(people, declare([account]).cases.get())


def _visible(mail: Mail) -> str:
    return f"{mail.subject}\n{mail.text}"


@pytest.mark.parametrize("entry", MANIFEST, ids=[entry["file"] for entry in MANIFEST])
def test_each_mail_of_the_corpus(world, entry):
    world.prepare(entry)
    before, conversations = Mail.objects.count(), Complaint.objects.count()
    if entry["outcome"] == "refused":
        with pytest.raises(Refused) as refused:
            world.receive(entry)
        assert entry["reason_contains"] in refused.value.reason.lower()
        assert Mail.objects.count() == before
        return

    received = world.receive(entry)
    mail = received.mail
    assert received.outcome == entry["outcome"], mail.notes
    if entry["outcome"] == "duplicate":
        assert Mail.objects.count() == before
        assert mail == world.received[entry["parent"]]
        return
    assert Mail.objects.count() == before + 1
    assert mail.team == world.teams[entry["team"]]
    assert mail.from_email == entry["from"]
    parent = world.received.get(entry["parent"] or "")
    expected = entry["subject"]
    if parent is not None and parent.complaint_id:
        expected = expected.replace("{conversation}", str(parent.complaint_id))
    assert mail.subject == expected
    for words in entry["text_contains"]:
        assert words in _visible(mail), words
    for words in entry["forwarded_contains"]:
        assert words in mail.text, words
    for words in entry["quoted_contains"]:
        assert words in mail.quoted, words
        assert words not in mail.text, words
    for words in entry["text_absent"]:
        assert words not in mail.text, words
    if entry["reason_contains"]:
        assert entry["reason_contains"] in mail.notes.lower(), mail.notes
    files = {(f.filename, f.size) for f in mail.attachments.exclude(content_type="message/rfc822")}
    assert files == {(f["filename"], f["size"]) for f in entry["attachments"]}

    if entry["outcome"] == "new":
        assert received.complaint is not None
        assert received.complaint.team == mail.team
        if entry.get("other_team_parent"):
            parent = world.received[entry["parent"]]
            assert received.complaint != parent.complaint
    elif entry["outcome"] == "reply":
        if parent is not None:
            assert received.complaint == parent.complaint
        else:
            assert received.case == world.case
    opened = 1 if entry["outcome"] == "new" else 0
    assert Complaint.objects.count() == conversations + opened
    if entry["bounced"]:
        assert f"{entry['bounced']} failed" in mail.notes


def test_the_whole_corpus_twice_stores_each_mail_once(world):
    for team in ("north", "south"):
        for entry in MANIFEST:
            if entry["team"] != team or entry["outcome"] == "refused":
                continue
            if entry["file"].startswith("generated:"):
                continue
            world.received.setdefault(entry["file"], None)
            world.receive(entry)
    stored = Mail.objects.count()
    conversations = Complaint.objects.count()
    for entry in MANIFEST:
        if entry["outcome"] != "refused" and not entry["file"].startswith("generated:"):
            assert world.receive(entry).outcome == "duplicate", entry["file"]
    assert (Mail.objects.count(), Complaint.objects.count()) == (stored, conversations)
    assert not Mail.objects.filter(team=world.teams["south"]).exclude(to__icontains="south.example")
