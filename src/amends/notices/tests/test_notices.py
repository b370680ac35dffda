"""Notices at scale: the recipient file (every problem by line and column, nobody
queued from a bad file), the words per language, and sending exactly once through
a real SMTP server, with two senders, a pause, a rate and a dead sender."""

import io
import threading
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import mailers
from django.utils import timezone

from amends.notices.models import NoticeRecipient, NoticeRun, NoticeState, RecipientState
from amends.notices.selectors import notice_counts, notice_languages
from amends.notices.sending import (
    NoticeSendError,
    TokenBucket,
    notice_claims_recover,
    notice_run_send,
    notices_send_batch,
    sender_id,
)
from amends.notices.services import (
    RecipientsRejected,
    notice_recipients_import,
    notice_run_create,
    notice_run_pause,
    notice_run_resume,
    notice_run_retry_failed,
    notice_run_set_texts,
    notice_run_start,
)
from amends.notices.tasks import notice_send
from amends.notices.texts import Letters, texts_clean
from amends.notices.wire import NoticeEmail
from amends.timeline.models import Event
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db

TEXTS = {
    "en": {
        "subject": "Your corrected {{ fields.year }} tax form",
        "body": "Dear {{ name|default:'colleague' }},\n\nForm {{ fields.form_no }} had the "
        "wrong year. The corrected one is on its way.\n",
    },
    "pl": {
        "subject": "Poprawiony formularz podatkowy za {{ fields.year }}",
        "body": "Szanowna Pani / Szanowny Panie {{ name }},\n\nformularz {{ fields.form_no }} "
        "miał błędny rok. Zażółć gęślą jaźń.\n",
    },
}


def csv_file(*rows: str, header="email,name,language,form_no,year") -> io.BytesIO:
    return io.BytesIO(("\n".join([header, *rows]) + "\n").encode())


def people_file(count: int) -> io.BytesIO:
    rows = [
        f"p{n}@forms.example,Person {n},{'pl' if n % 3 == 0 else 'en'},F-{n},2024"
        for n in range(count)
    ]
    return csv_file(*rows)


@pytest.fixture
def actor(people):
    return Actor(user=people.agent, via="web")


@pytest.fixture
def incident(declare, account):
    return declare([account])


@pytest.fixture
def draft(actor, incident):
    return notice_run_create(actor=actor, incident=incident, name="Corrected forms", texts=TEXTS)


def started(actor, run, count, rate=100_000):
    notice_recipients_import(actor=actor, run=run, stream=people_file(count))
    run.rate_per_second = rate
    run.save(update_fields=["rate_per_second"])
    return notice_run_start(actor=actor, run=run)


def smtp_backend():
    return mailers.default


# -- the file -----------------------------------------------------------------------


def test_it_reads_a_file_into_recipients_with_their_language_and_fields(actor, draft):
    count = notice_recipients_import(
        actor=actor,
        run=draft,
        stream=csv_file(
            "joanna@harbor.example,Joanna Nowak,PL,F-1,2024",
            "sam@harbor.example,,,F-2,2024",
            "eleni@harbor.example,Eleni,en-GB,F-3,2024",
            ",,,,",  # blank lines are skipped
        ),
    )
    assert count == 3
    rows = list(
        draft.recipients.order_by("line").values_list("line", "email", "language", "fields")
    )
    assert rows == [
        (2, "joanna@harbor.example", "pl", {"form_no": "F-1", "year": "2024"}),
        (3, "sam@harbor.example", "", {"form_no": "F-2", "year": "2024"}),
        (4, "eleni@harbor.example", "en-gb", {"form_no": "F-3", "year": "2024"}),
    ]
    ids = set(draft.recipients.values_list("message_id", flat=True))
    assert len(ids) == 3 and all(i.startswith(f"<notice.{draft.pk}.") for i in ids)


def test_a_bad_file_names_every_problem_by_line_and_column_and_queues_nobody(actor, draft):
    notice_recipients_import(actor=actor, run=draft, stream=people_file(5))
    before = set(draft.recipients.values_list("email", flat=True))
    bad = csv_file(
        "ok@harbor.example,Ok,en,F-1,2024",
        "not-an-email,Bad,en,F-2,2024",
        "dup@harbor.example,First,en,F-3,2024",
        "DUP@harbor.example,Second,pl,F-4,2024",
        "xx@harbor.example,Dieter,english,F-5,2024",
        "de@harbor.example,Dieter,de,F-5,2024",  # no German text: the first one, English
        "short@harbor.example,Short",
        ",No email,en,F-6,2024",
    )
    with pytest.raises(RecipientsRejected) as rejected:
        notice_recipients_import(actor=actor, run=draft, stream=bad)
    found = [(p.line, p.column) for p in rejected.value.problems]
    assert found == [(3, "email"), (5, "email"), (6, "language"), (8, ""), (9, "email")]
    messages = [p.message for p in rejected.value.problems]
    assert "already on line 4" in messages[1]
    assert messages[2].startswith("unknown language “english”")
    # Nothing changed: the earlier list is still there, whole.
    assert set(draft.recipients.values_list("email", flat=True)) == before


def test_the_header_must_have_an_email_column_and_every_field_the_texts_use(actor, draft):
    with pytest.raises(RecipientsRejected) as rejected:
        notice_recipients_import(actor=actor, run=draft, stream=csv_file("x", header="mail,Year"))
    problems = {(p.line, p.column): p.message for p in rejected.value.problems}
    assert set(problems) == {(1, "email"), (1, "form_no")}
    assert "{{ fields.form_no }}" in problems[(1, "form_no")]
    assert not NoticeRecipient.objects.exists()


def test_headers_become_variable_names_and_bad_bytes_are_found_by_line(actor, incident):
    run = notice_run_create(
        actor=actor,
        incident=incident,
        name="n",
        texts={"en": {"subject": "Policy {{ fields.policy_no }}", "body": "Hi"}},
    )
    data = b"Email,Policy No\na@x.example,P-1\nb@x.example,P-\xff\n"
    with pytest.raises(RecipientsRejected) as rejected:
        notice_recipients_import(actor=actor, run=run, stream=io.BytesIO(data))
    assert [(p.line, p.column) for p in rejected.value.problems] == [(3, "")]
    count = notice_recipients_import(actor=actor, run=run, stream=io.BytesIO(data.split(b"b@x")[0]))
    assert count == 1 and run.recipients.get().fields == {"policy_no": "P-1"}


def test_only_a_draft_takes_a_new_list_and_only_writers_may_give_one(people, actor, draft):
    with pytest.raises(PermissionDenied):
        notice_recipients_import(
            actor=Actor(user=people.viewer, via="web"), run=draft, stream=people_file(1)
        )
    started(actor, draft, 2)
    with pytest.raises(ValidationError, match="has started"):
        notice_recipients_import(actor=actor, run=draft, stream=people_file(1))
    with pytest.raises(ValidationError, match="has started"):
        notice_run_set_texts(actor=actor, run=draft, texts=TEXTS)


# -- the words ----------------------------------------------------------------------


def test_texts_are_checked_and_rendered_in_the_recipients_language_or_the_first():
    with pytest.raises(ValidationError) as invalid:
        texts_clean({"en": {"subject": "Hi {% if %}", "body": ""}, "English": {}})
    assert set(invalid.value.message_dict) == {"texts.en.subject", "texts.en.body", "texts.English"}
    letters = Letters(texts_clean(TEXTS))
    fields = {"form_no": "F-7", "year": "2024"}
    subject, body = letters.render(email="a@x", name="Ola", language="pl", fields=fields)
    assert subject == "Poprawiony formularz podatkowy za 2024" and "F-7" in body
    subject, body = letters.render(email="a@x", name="", language="", fields=fields)
    assert subject == "Your corrected 2024 tax form" and body.startswith("Dear colleague,")
    # Plain text: nothing is HTML-escaped, and an unknown language gets the first text.
    assert letters.render(email="", name="<b>&", language="de", fields=fields)[1].startswith(
        "Dear <b>&,"
    )


def test_each_person_gets_the_closest_text_to_their_language(actor, draft):
    letters = Letters({"en": TEXTS["en"], "pt-br": TEXTS["en"], "zh-hans": TEXTS["en"]})
    chosen = {code: letters.text_for(code) for code in ["pt", "pt-pt", "zh", "en-gb", "de", ""]}
    assert chosen == {
        "pt": "pt-br",
        "pt-pt": "pt-br",
        "zh": "zh-hans",
        "en-gb": "en",
        "de": "en",
        "": "en",
    }
    notice_recipients_import(actor=actor, run=draft, stream=people_file(7))
    assert notice_languages(run=draft) == [("en", 4, "en"), ("pl", 3, "pl")]


@pytest.mark.parametrize(
    "text",
    [
        "{% load static %}",
        "{% include 'base.html' %}",
        "{% url 'home' %}",
        "{% debug %}",
        "{% extends 'base.html' %}",
    ],
)
def test_a_text_cannot_reach_beyond_its_own_variables(text):
    with pytest.raises(ValidationError, match="mistake"):
        texts_clean({"en": {"subject": "s", "body": text}})


def test_a_notice_is_plain_text_mime_that_mail_readers_understand():
    notice = NoticeEmail(
        to_email="ελένη@παράδειγμα.example".replace("ελένη", "eleni"),
        to_name="Ελένη Παπαδοπούλου",
        subject=" ".join(["Διορθωμένο έντυπο"] * 6),
        body="Αγαπητή Ελένη,\n\n" + "x" * 1200 + "\n",
        message_id="<notice.1.2.abc@amends.example>",
    )
    raw = notice.message().as_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")  # no bare line feeds on the wire
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == " ".join(["Διορθωμένο έντυπο"] * 6)
    assert parsed["To"].addresses[0].display_name == "Ελένη Παπαδοπούλου"
    assert parsed["To"].addresses[0].domain == "xn--hxajbheg2az3al.example"
    assert parsed["Message-ID"] == "<notice.1.2.abc@amends.example>"
    assert parsed.get_content().replace("\r\n", "\n") == "Αγαπητή Ελένη,\n\n" + "x" * 1200 + "\n"


@pytest.mark.parametrize(
    ("name", "subject"),
    [
        ("Nowak, Joanna", "Your corrected 2024 tax form, " * 4),
        ("李娜", "您更正后的 2024 年税表（TX-000123）" * 3),
        ("Zażółć Gęślą", "Poprawiony formularz"),
    ],
)
def test_headers_are_folded_and_encoded_and_8bit_bodies_go_when_the_server_takes_them(
    name, subject
):
    subject = " ".join(subject.split())
    notice = NoticeEmail(
        to_email="someone@example.com",
        to_name=name,
        subject=subject,
        body="Zażółć gęślą jaźń.\n李娜\n",
        message_id="<m@x>",
    )
    raw, encoding = notice.wire(eight_bit=True)
    assert encoding == "8bit" and b"Content-Transfer-Encoding: 8bit" in raw
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii() and max(len(line) for line in head.split(b"\r\n")) <= 78
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject
    assert parsed["To"].addresses[0].display_name == name
    assert parsed.get_content().replace("\r\n", "\n") == "Zażółć gęślą jaźń.\n李娜\n"


# -- sending ------------------------------------------------------------------------


def test_it_sends_each_person_their_letter_once_through_smtp(smtp_server, actor, draft):
    started(actor, draft, 30)
    totals = notice_run_send(run_id=draft.pk)
    assert totals.sent == 30 and totals.state == NoticeState.DONE
    assert smtp_server.wait_for(30)
    got = smtp_server.messages()
    assert sorted(m["To"].addresses[0].addr_spec for m in got) == sorted(
        f"p{n}@forms.example" for n in range(30)
    )
    polish = smtp_server.to("p3@forms.example")[0]
    assert polish["Subject"] == "Poprawiony formularz podatkowy za 2024"
    assert "Zażółć gęślą jaźń" in polish.get_content() and "F-3" in polish.get_content()
    english = smtp_server.to("p1@forms.example")[0]
    assert english["Message-ID"] == draft.recipients.get(email="p1@forms.example").message_id
    draft.refresh_from_db()
    assert draft.state == NoticeState.DONE and draft.finished_at is not None
    assert notice_counts([draft.pk])[draft.pk].sent == 30
    assert Event.objects.filter(action="notice.done", subject_id=draft.pk).count() == 1
    assert notice_run_send(run_id=draft.pk).sent == 0  # done is done


def test_a_long_letter_in_greek_arrives_whole(smtp_server, actor, incident):
    body = "Αγαπητή {{ name }},\n\n" + "Ζητούμε συγγνώμη για το λάθος έτος. " * 60
    run = notice_run_create(
        actor=actor, incident=incident, name="n", texts={"el": {"subject": "Έντυπο", "body": body}}
    )
    data = "email,name\neleni@x.example,Ελένη\n".encode()
    notice_recipients_import(actor=actor, run=run, stream=io.BytesIO(data))
    notice_run_start(actor=actor, run=run)
    assert notice_run_send(run_id=run.pk).sent == 1
    assert smtp_server.wait_for(1)
    got = smtp_server.to("eleni@x.example")[0].get_content()
    assert got.startswith("Αγαπητή Ελένη,") and got.count("λάθος έτος") == 60


class Interleaving:
    """A mail backend that, while the first sender has its first message in hand,
    lets a second sender claim and send a batch: two workers at once, step by step."""

    def __init__(self, run_id):
        self.run_id = run_id
        self.sent: list[tuple[str, str]] = []
        self.turns = 0

    def open(self):
        pass

    def close(self):
        pass

    def send_messages(self, messages):
        self.turns += 1
        if self.turns == 1:
            other = notices_send_batch(
                run_id=self.run_id, sender="other:1:x", backend=_Recorder(self, "other"), size=5
            )
            assert other.claimed == 5
        self.sent.append(("first", messages[0].to[0]))


class _Recorder:
    def __init__(self, shared, name):
        self.shared, self.name = shared, name

    def open(self):
        pass

    def close(self):
        pass

    def send_messages(self, messages):
        self.shared.sent.append((self.name, messages[0].to[0]))


def test_two_senders_at_once_never_take_the_same_person(actor, draft):
    started(actor, draft, 12)
    backend = Interleaving(draft.pk)
    first = notices_send_batch(run_id=draft.pk, sender="first:1:x", backend=backend, size=5)
    assert first.claimed == 5 and first.sent == 5
    rest = notices_send_batch(run_id=draft.pk, sender="first:1:x", backend=backend, size=5)
    assert rest.claimed == 2
    emails = [email for _, email in backend.sent]
    assert len(emails) == len(set(emails)) == 12
    by = {name for name, _ in backend.sent}
    assert by == {"first", "other"}
    assert notice_counts([draft.pk])[draft.pk].sent == 12


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("shipped_defaults")
def test_two_sender_threads_on_one_run_send_everyone_once(smtp_server, people, declare, account):
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip(
            "the in-memory test database locks whole tables between threads; "
            "test_notice_kill runs two senders at once on a SQLite file"
        )
    actor = Actor(user=people.agent, via="web")
    run = notice_run_create(actor=actor, incident=declare([account]), name="n", texts=TEXTS)
    started(actor, run, 200)
    errors = []

    def send():
        from django.db import connection

        try:
            notice_run_send(run_id=run.pk, wait=0.01)
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert smtp_server.wait_for(200)
    ids = [m["Message-ID"] for m in smtp_server.messages()]
    assert len(ids) == len(set(ids)) == 200
    assert NoticeRun.objects.get(pk=run.pk).state == NoticeState.DONE


def test_pause_stops_sending_between_batches_and_resume_goes_on(actor, draft):
    started(actor, draft, 10)
    backend = _Recorder(type("Shared", (), {"sent": []})(), "one")
    notices_send_batch(run_id=draft.pk, sender=sender_id(), backend=backend, size=4)
    notice_run_pause(actor=actor, run=draft)
    paused = notices_send_batch(run_id=draft.pk, sender=sender_id(), backend=backend, size=4)
    assert paused.state == NoticeState.PAUSED and paused.claimed == 0
    assert notice_run_send(run_id=draft.pk, backend=backend).sent == 0
    assert notice_counts([draft.pk])[draft.pk].pending == 6
    with pytest.raises(ValidationError):
        notice_run_pause(actor=actor, run=draft)
    notice_run_resume(actor=actor, run=draft)
    assert notice_run_send(run_id=draft.pk, backend=backend).sent == 6
    assert len(backend.shared.sent) == 10
    actions = list(Event.objects.filter(subject_id=draft.pk).values_list("action", flat=True))
    assert {"notice.started", "notice.paused", "notice.resumed", "notice.done"} <= set(actions)


def test_the_rate_is_honoured(actor, draft):
    # On the bucket's own clock, not the wall's: a loaded machine only adds time.
    started(actor, draft, 40, rate=100)
    backend = _Recorder(type("Shared", (), {"sent": []})(), "one")
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    bucket = TokenBucket(100, clock=lambda: now[0], sleep=sleep)
    sent = notices_send_batch(
        run_id=draft.pk, sender=sender_id(), backend=backend, bucket=bucket, size=40
    )
    assert sent.sent == 40 and len(backend.shared.sent) == 40
    # 40 at 100 a second, the first 10 in a burst: 0.3 s of waiting.
    assert now[0] == pytest.approx(0.3)


def test_the_token_bucket_allows_bursts_of_a_tenth_of_a_second():
    now = [0.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    bucket = TokenBucket(50, clock=lambda: now[0], sleep=sleep)
    for _ in range(105):
        bucket.take()
    assert now[0] == pytest.approx((105 - 5) / 50)  # a burst of 5, then 50 a second


def test_rows_left_by_a_dead_sender_go_again_with_the_same_message_id(smtp_server, actor, draft):
    started(actor, draft, 5)
    # A sender on this machine claimed 3 rows and was killed: its pid is gone.
    dead = f"{sender_id().split(':')[0]}:999999999:dead"
    pending = draft.recipients.order_by("line")
    ids = list(pending.values_list("pk", flat=True)[:3])
    NoticeRecipient.objects.filter(pk__in=ids).update(state=RecipientState.SENDING, claimed_by=dead)
    # Another machine's live sender holds nothing here; its fresh claim would be left alone.
    assert notice_claims_recover(run_id=draft.pk) == 3
    assert notice_run_send(run_id=draft.pk).sent == 5
    assert smtp_server.wait_for(5)
    assert len({m["Message-ID"] for m in smtp_server.messages()}) == 5


def test_it_counts_the_message_a_dead_sender_had_in_hand_as_in_doubt(actor, draft):
    from django.utils import timezone

    started(actor, draft, 5)
    # A sender on this machine claimed 3 rows, marked the first as handed to the
    # server, and was killed before it could record the answer.
    dead = f"{sender_id().split(':')[0]}:999999999:dead"
    ids = list(draft.recipients.order_by("line").values_list("pk", flat=True)[:3])
    NoticeRecipient.objects.filter(pk__in=ids).update(state=RecipientState.SENDING, claimed_by=dead)
    NoticeRecipient.objects.filter(pk=ids[0]).update(handed_at=timezone.now())
    assert notice_claims_recover(run_id=draft.pk) == 3
    doubted = dict(draft.recipients.values_list("pk", "in_doubt"))
    assert [doubted[pk] for pk in ids] == [1, 0, 0]
    assert not draft.recipients.filter(handed_at__isnull=False).exists()
    assert notice_counts([draft.pk])[draft.pk].in_doubt == 1
    mail.outbox = []
    assert notice_run_send(run_id=draft.pk).sent == 5
    counts = notice_counts([draft.pk])[draft.pk]
    assert (counts.sent, counts.in_doubt) == (5, 1)  # the count stays: it is history


def test_it_counts_nothing_in_doubt_after_a_clean_run(smtp_server, actor, draft):
    started(actor, draft, 250)  # three batches: the next row is marked with the last one sent
    assert notice_run_send(run_id=draft.pk).sent == 250
    assert smtp_server.wait_for(250)
    counts = notice_counts([draft.pk])[draft.pk]
    assert (counts.sent, counts.in_doubt) == (250, 0)
    assert not draft.recipients.filter(handed_at__isnull=False).exists()


def test_it_marks_each_message_before_it_goes_and_only_that_one(actor, draft):
    started(actor, draft, 6)
    seen = []

    class Looking(_Recorder):
        def send_messages(self, messages):
            marked = draft.recipients.filter(handed_at__isnull=False)
            seen.append((messages[0].to[0], list(marked.values_list("email", flat=True))))

    stop = iter([False] * 4 + [True])
    result = notices_send_batch(
        run_id=draft.pk,
        sender=sender_id(),
        backend=Looking(None, "one"),
        size=6,
        should_stop=lambda: next(stop),
    )
    assert result.sent == 4
    assert all(marked == [email] for email, marked in seen), seen
    # Stopped with the next one marked but never sent: given back, not in doubt.
    counts = notice_counts([draft.pk])[draft.pk]
    assert (counts.pending, counts.sending, counts.in_doubt) == (2, 0, 0)
    assert not draft.recipients.filter(handed_at__isnull=False).exists()


def test_it_counts_a_message_whose_connection_broke_as_in_doubt(actor, draft):
    from smtplib import SMTPServerDisconnected

    started(actor, draft, 3)

    class Breaking(_Recorder):
        def send_messages(self, messages):
            if messages[0].to[0] == "p1@forms.example":
                raise SMTPServerDisconnected("Connection unexpectedly closed")

    with pytest.raises(NoticeSendError):
        notices_send_batch(run_id=draft.pk, sender=sender_id(), backend=Breaking(None, "x"))
    broken = draft.recipients.get(email="p1@forms.example")
    assert (broken.state, broken.in_doubt, broken.handed_at) == (RecipientState.PENDING, 1, None)
    counts = notice_counts([draft.pk])[draft.pk]
    assert (counts.sent, counts.pending, counts.in_doubt) == (1, 2, 1)


def test_it_tells_how_many_may_have_gone_twice_in_notices_status(actor, draft):
    from django.core.management import call_command

    started(actor, draft, 3)
    draft.recipients.filter(line=2).update(in_doubt=1)
    out = io.StringIO()
    call_command("notices", "status", str(draft.pk), stdout=out)
    assert (
        "1 may have been delivered twice, with the same Message-ID, "
        "after a sender stopped mid-send" in out.getvalue()
    )
    draft.recipients.update(in_doubt=0)
    out = io.StringIO()
    call_command("notices", "show", str(draft.pk), stdout=out)
    assert "0 may have been delivered twice" in out.getvalue()


def test_a_sender_that_stood_still_past_its_lease_stops_instead_of_doubling(
    monkeypatch, actor, draft
):
    from amends.notices import sending as notice_sending

    started(actor, draft, 5)
    monkeypatch.setattr(notice_sending, "RENEW_EVERY", -1.0)  # renew (and check) before each one
    sent = []

    class Stalling(_Recorder):
        def send_messages(self, messages):
            sent.append(messages[0].to[0])
            # While this one was in hand, the process stood still past its lease and
            # another sender took the rest over.
            draft.recipients.filter(state=RecipientState.SENDING).exclude(
                email=messages[0].to[0]
            ).update(claimed_by="other:1:x")

    result = notices_send_batch(
        run_id=draft.pk, sender="slow:1:x", backend=Stalling(None, "slow"), size=5
    )
    assert (result.claimed, result.sent, sent) == (5, 1, ["p0@forms.example"])
    assert (
        draft.recipients.filter(claimed_by="other:1:x", state=RecipientState.SENDING).count() == 4
    )


def test_a_claim_from_another_machine_waits_for_its_lease(actor, draft):
    from datetime import timedelta

    from django.utils import timezone

    started(actor, draft, 2)
    draft.recipients.update(
        state=RecipientState.SENDING, claimed_by="elsewhere:1:x", claimed_at=timezone.now()
    )
    assert notice_claims_recover(run_id=draft.pk) == 0
    later = timezone.now() + timedelta(minutes=3)
    assert notice_claims_recover(run_id=draft.pk, now=later) == 2


def test_a_refused_recipient_fails_alone_and_can_be_tried_again(settings, actor, draft):
    started(actor, draft, 3)
    refused = []

    class Refusing(_Recorder):
        def send_messages(self, messages):
            from smtplib import SMTPRecipientsRefused

            if messages[0].to[0] == "p1@forms.example" and not refused:
                refused.append(1)
                raise SMTPRecipientsRefused({"p1@forms.example": (550, b"No such user")})
            super().send_messages(messages)

    backend = Refusing(type("Shared", (), {"sent": []})(), "one")
    totals = notice_run_send(run_id=draft.pk, backend=backend)
    assert (totals.sent, totals.failed, totals.state) == (2, 1, NoticeState.DONE)
    failed = draft.recipients.get(state=RecipientState.FAILED)
    assert failed.email == "p1@forms.example" and "No such user" in failed.error
    assert notice_run_retry_failed(actor=actor, run=draft) == 1
    assert notice_run_send(run_id=draft.pk, backend=backend).sent == 1
    assert NoticeRun.objects.get(pk=draft.pk).state == NoticeState.DONE


def test_a_mail_server_that_is_down_loses_nobody(settings, actor, draft):
    started(actor, draft, 3)
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 1},
        }
    }
    with pytest.raises(NoticeSendError):
        notice_run_send(run_id=draft.pk)
    counts = notice_counts([draft.pk])[draft.pk]
    assert (counts.pending, counts.sending, counts.failed) == (3, 0, 0)
    # The worker's task logs it and goes on; the sweep starts it again a minute later.
    assert notice_send.call(draft.pk)["state"] == "mail server failed"
    counts = notice_counts([draft.pk])[draft.pk]
    assert (counts.pending, counts.sending, counts.failed) == (3, 0, 0)


def test_the_worker_sends_every_running_notice(actor, incident, draft, run_tasks):
    other = notice_run_create(actor=actor, incident=incident, name="Second", texts=TEXTS)
    started(actor, draft, 7)
    started(actor, other, 4)
    mail.outbox = []
    # Starting a notice enqueued its senders (two each): the first sends it all.
    assert run_tasks() == ["notice_send"] * 4
    assert len(mail.outbox) == 11
    assert {run.state for run in NoticeRun.objects.all()} == {NoticeState.DONE}


def test_starting_needs_people_and_every_field_the_texts_use(actor, draft):
    with pytest.raises(ValidationError, match="Upload"):
        notice_run_start(actor=actor, run=draft)
    notice_recipients_import(actor=actor, run=draft, stream=people_file(1))
    texts = {**TEXTS, "en": {**TEXTS["en"], "body": "{{ fields.missing }}"}}
    draft.texts = texts
    draft.save()
    with pytest.raises(ValidationError, match=r"fields\.missing"):
        notice_run_start(actor=actor, run=draft)


def test_the_fallback_is_the_language_written_first_on_every_database(actor, incident):
    # PostgreSQL's jsonb sorts keys ("en" before "pl"); the order written must win.
    texts = {
        "pl": {"subject": "Formularz", "body": "Dzień dobry {{ name }}"},
        "en": {"subject": "Form", "body": "Hello {{ name }}"},
    }
    made = notice_run_create(actor=actor, incident=incident, name="Forms", texts=texts)
    run = NoticeRun.objects.get(pk=made.pk)
    assert list(run.texts_in_order()) == ["pl", "en"]
    letters = Letters(run.texts_in_order())
    assert letters.render(email="x@y.example", name="Jan", language="de", fields={})[0] == (
        "Formularz"
    )


def test_the_sweep_starts_senders_again_on_a_notice_left_quiet(actor, draft, run_tasks):
    from datetime import timedelta

    from django_tasks_db.models import DBTaskResult

    from amends.notices.tasks import notices_sweep

    started(actor, draft, 3)
    DBTaskResult.objects.all().delete()  # the senders were lost with a dead worker
    assert notices_sweep.call() == []  # just started: its senders may be on their way
    long_ago = timezone.now() - timedelta(minutes=5)
    NoticeRun.objects.filter(pk=draft.pk).update(started_at=long_ago)
    assert notices_sweep.call() == [draft.pk]  # never touched
    DBTaskResult.objects.all().delete()
    draft.recipients.update(claimed_at=long_ago)
    mail.outbox = []
    assert notices_sweep.call() == [draft.pk]
    assert run_tasks() == ["notice_send", "notice_send"]
    assert len(mail.outbox) == 3
    assert notices_sweep.call() == []  # done: nothing to start


@pytest.mark.django_db
def test_a_broken_upload_is_refused_with_the_api_s_own_error(client, people, draft):
    """The API fuzzer sent a multipart body Django cannot read; Ninja said a bare 400."""
    from amends.people.services import token_create

    secret = token_create(user=people.agent, name="test").secret
    url = f"/api/v1/notices/{draft.pk}/recipients"
    for content_type in ("multipart/form-data", "multipart/form-data; boundary="):
        refused = client.post(
            url,
            b"--x\r\nnot a part\r\n--x--\r\n",
            content_type=content_type,
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        assert refused.status_code == 422, refused.content
        assert refused.json()["errors"][0]["field"] == "body"
    assert not draft.recipients.exists()
