"""Calendar invites (RFC 5545): CRLF, 75-octet folding that never splits a UTF-8
character, TEXT escaping, UTC times, and a UID that stays the same. Every file is
read back with a small parser here: unfold, split, unescape."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amends.customerpage.ics import (
    CalendarEvent,
    commitment_event,
    ics_calendar,
    ics_escape,
    ics_fold,
    ics_utc,
)
from amends.recovery.services import commitment_add
from amends.timeline.services import Actor

GREEK = "Ανατύπωση όλων των εντύπων, χωρίς χρέωση; ελέγχουμε κάθε παλέτα\\πριν φύγει"
CHINESE = "重新印刷全部六万五千份表格，免费；每个托盘都要检查。第二行\n第三行"


def unescape(value: str) -> str:
    out, index = [], 0
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            following = value[index + 1]
            out.append("\n" if following in "nN" else following)
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def parse(data: bytes) -> list[tuple[str, str]]:
    """(name, value) for each content line, in order: the stdlib, nothing else."""
    assert data.endswith(b"\r\n")
    physical = data.split(b"\r\n")[:-1]
    for line in physical:
        assert len(line) <= 75, line
        assert b"\n" not in line and b"\r" not in line
        line.decode("utf-8")  # a fold never splits a character
    unfolded = data.replace(b"\r\n ", b"").decode("utf-8")
    pairs = []
    for line in unfolded.split("\r\n")[:-1]:
        name, value = line.split(":", 1)
        pairs.append((name.split(";", 1)[0], value))
    return pairs


def test_it_escapes_text():
    assert ics_escape("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"
    assert unescape(ics_escape(GREEK)) == GREEK
    assert unescape(ics_escape(CHINESE)) == CHINESE


def test_it_folds_at_75_octets_without_splitting_a_character():
    assert ics_fold("X" * 75) == "X" * 75
    folded = ics_fold("X" * 76)
    assert folded == "X" * 75 + "\r\n X"

    for text in [GREEK * 3, CHINESE * 5, "SUMMARY:" + "a€" * 60]:
        line = "SUMMARY:" + ics_escape(text)
        folded = ics_fold(line).encode("utf-8")
        parts = folded.split(b"\r\n")
        assert len(parts) > 1
        assert all(len(part) <= 75 for part in parts)
        assert all(part.startswith(b" ") for part in parts[1:])
        for part in parts:
            part.decode("utf-8")
        # Greedy: a line is cut short only by the character that would not fit.
        assert all(len(part) >= 72 for part in parts[:-1])
        assert folded.replace(b"\r\n ", b"").decode("utf-8") == line


def test_a_calendar_reads_back_the_same():
    start = datetime(2026, 3, 9, 14, 30, tzinfo=UTC)
    event = CalendarEvent(
        uid="commitment-7@amends.example",
        summary=GREEK,
        start=start,
        end=start + timedelta(minutes=30),
        description=CHINESE,
        url="https://amends.example/cases/7/",
    )
    data = ics_calendar([event], now=datetime(2026, 3, 1, 8, 0, 5, tzinfo=UTC)).encode("utf-8")
    assert b"\n" not in data.replace(b"\r\n", b"")

    pairs = parse(data)
    names = [name for name, _ in pairs]
    assert names[:4] == ["BEGIN", "VERSION", "PRODID", "METHOD"]
    assert names[-1] == "END" and names.count("BEGIN") == 2
    values = dict(pairs)
    assert values["VERSION"] == "2.0" and values["METHOD"] == "PUBLISH"
    assert values["PRODID"].startswith("-//Amends//")
    assert values["UID"] == "commitment-7@amends.example"
    assert values["DTSTAMP"] == "20260301T080005Z"
    assert values["DTSTART"] == "20260309T143000Z"
    assert values["DTEND"] == "20260309T150000Z"
    assert unescape(values["SUMMARY"]) == GREEK
    assert unescape(values["DESCRIPTION"]) == CHINESE
    assert values["URL"] == "https://amends.example/cases/7/"


def test_it_writes_times_in_utc_and_refuses_a_naive_one():
    athens = timezone.get_fixed_timezone(120)
    assert ics_utc(datetime(2026, 1, 2, 10, 0, tzinfo=athens)) == "20260102T080000Z"
    with pytest.raises(ValueError):
        ics_utc(datetime(2026, 1, 2, 10, 0))


# -- from the case page -------------------------------------------------------------


@pytest.fixture
def case(declare, account):
    return declare([account]).cases.get()


@pytest.fixture
def commitment(case, people):
    return commitment_add(
        actor=Actor(user=people.agent, via="web"),
        case=case,
        what="Ανατύπωση; 重新印刷, every form",
        measure="65,000 forms delivered",
        owner=people.agent,
        due_at=datetime(2026, 5, 4, 17, 0, tzinfo=UTC),
        now=datetime(2026, 5, 1, 9, 0, tzinfo=UTC),  # promised before the date
    )


def _get(client, name, *args, **query):
    return client.get(reverse(f"customerpage:{name}", args=args), query)


@pytest.mark.django_db
def test_it_downloads_a_commitment_with_a_stable_uid(client, people, case, commitment):
    client.force_login(people.viewer)  # reading is enough
    first = _get(client, "ics-commitment", case.pk, commitment.pk)
    second = _get(client, "ics-commitment", case.pk, commitment.pk)

    assert first.status_code == 200
    assert first["Content-Type"].startswith("text/calendar; charset=utf-8")
    assert first["Content-Disposition"] == f'attachment; filename="commitment-{commitment.pk}.ics"'
    values = dict(parse(first.content))
    assert values["UID"] == dict(parse(second.content))["UID"]
    assert values["UID"].startswith(f"commitment-{commitment.pk}@")
    assert values["DTSTART"] == "20260504T163000Z" and values["DTEND"] == "20260504T170000Z"
    assert "Ανατύπωση; 重新印刷, every form" in unescape(values["SUMMARY"])
    assert "65,000 forms delivered" in unescape(values["DESCRIPTION"])
    assert values["URL"].endswith(f"/cases/{case.pk}/")


@pytest.mark.django_db
def test_it_downloads_a_steps_deadline(client, people, case):
    step = case.steps.get(key="first_contact")
    client.force_login(people.agent)
    answer = _get(client, "ics-step", case.pk, step.pk)
    values = dict(parse(answer.content))
    assert values["UID"].startswith(f"step-{step.pk}@")
    assert values["DTEND"] == ics_utc(step.due_at)
    assert "Tell them first" in unescape(values["SUMMARY"])
    assert "Harbor Printing Ltd" in unescape(values["SUMMARY"])


@pytest.mark.django_db
def test_it_downloads_a_follow_up_meeting(client, people, case, settings):
    settings.TIME_ZONE = "Europe/Athens"
    client.force_login(people.agent)
    answer = _get(client, "ics-follow-up", case.pk, at="2026-06-15T10:00", minutes="45")
    assert answer.status_code == 200
    values = dict(parse(answer.content))
    assert values["DTSTART"] == "20260615T070000Z" and values["DTEND"] == "20260615T074500Z"
    again = _get(client, "ics-follow-up", case.pk, at="2026-06-15T10:00", minutes="45")
    assert dict(parse(again.content))["UID"] == values["UID"]

    refused = _get(client, "ics-follow-up", case.pk, at="tomorrow", minutes="45")
    assert refused.status_code == 302
    odd = _get(client, "ics-follow-up", case.pk, at="2026-06-15T10:00", minutes="7")
    assert odd.status_code == 302


@pytest.mark.django_db
def test_the_case_page_links_the_invites(client, people, case, commitment):
    client.force_login(people.agent)
    page = client.get(reverse("recovery:case", args=[case.pk])).content.decode()
    assert reverse("customerpage:ics-commitment", args=[case.pk, commitment.pk]) in page
    step = case.steps.get(key="first_contact")
    assert reverse("customerpage:ics-step", args=[case.pk, step.pk]) in page
    assert reverse("customerpage:ics-follow-up", args=[case.pk]) in page


@pytest.mark.django_db
def test_an_outsider_downloads_nothing(client, people, case, commitment):
    client.force_login(people.outsider)
    step = case.steps.first()
    assert _get(client, "ics-commitment", case.pk, commitment.pk).status_code == 404
    assert _get(client, "ics-step", case.pk, step.pk).status_code == 404
    follow_up = _get(client, "ics-follow-up", case.pk, at="2026-06-15T10:00", minutes="30")
    assert follow_up.status_code == 404
    client.logout()
    assert _get(client, "ics-step", case.pk, step.pk).status_code == 302  # to the login


def test_commitment_event_keeps_its_uid_when_its_date_moves(db, case, commitment):
    before = commitment_event(commitment)
    commitment.due_at += timedelta(days=1)
    after = commitment_event(commitment)
    assert before.uid == after.uid and before.end != after.end
