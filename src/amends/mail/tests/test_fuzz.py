"""Whatever bytes arrive, the mail is stored or refused with a reason: never a
traceback. The corpus, damaged at random (bytes changed, cut, repeated), and noise."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amends.mail.parse import Refused, parse
from amends.mail.services import mail_receive

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.eml"))
LIMIT = 20 * 1024 * 1024


@st.composite
def damaged(draw) -> bytes:
    raw = bytearray(draw(st.sampled_from(CORPUS)).read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        if not raw:
            break
        at = draw(st.integers(0, len(raw) - 1))
        how = draw(st.sampled_from(["change", "cut", "repeat", "truncate", "insert"]))
        if how == "change":
            raw[at] = draw(st.integers(0, 255))
        elif how == "cut":
            del raw[at : at + draw(st.integers(1, 200))]
        elif how == "repeat":
            raw[at:at] = raw[at : at + draw(st.integers(1, 400))]
        elif how == "truncate":
            del raw[at:]
        else:
            raw[at:at] = draw(st.binary(min_size=1, max_size=40))
    return bytes(raw)


@settings(max_examples=200, deadline=None)
@given(raw=st.one_of(damaged(), st.binary(max_size=2000)))
def test_damaged_mail_is_read_or_refused_never_a_traceback(raw):
    try:
        parsed = parse(raw, max_bytes=LIMIT)
    except Refused as refused:
        assert refused.reason
        return
    assert "\x00" not in parsed.text + parsed.subject + parsed.from_email + parsed.quoted
    assert parsed.message_id and len(parsed.message_id) <= 250


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=damaged())
def test_damaged_mail_is_stored_whole_or_not_at_all(people, raw):
    try:
        received = mail_receive(team=people.north, raw=raw)
    except Refused:
        return
    assert received.mail.pk is not None
    assert received.outcome in {"new", "reply", "auto", "list", "bounce", "duplicate"}
