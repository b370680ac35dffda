"""Calendar invites (iCalendar, RFC 5545) for a commitment's due date, a step's
deadline and a follow-up meeting, written here rather than with a library: the
format needs four rules (CRLF, 75-octet folding, TEXT escaping, UTC times).

Each object keeps one UID however often it is downloaded, so a calendar that
imports it again updates the event instead of adding a second one."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from amends.recovery.models import CaseStep, Commitment, RecoveryCase

PRODID = "-//Amends//Service recovery desk//EN"
LINE_OCTETS = 75
CRLF = "\r\n"
# A deadline is a moment; in a calendar it is the half hour that ends at it.
DEADLINE_BLOCK = timedelta(minutes=30)


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    summary: str
    start: datetime
    end: datetime
    description: str = ""
    url: str = ""


def ics_escape(text: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11): backslash first, then ; , and newlines."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def ics_utc(moment: datetime) -> str:
    if timezone.is_naive(moment):
        raise ValueError("An iCalendar time needs a time zone.")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ics_fold(line: str) -> str:
    """Fold a content line into physical lines of at most 75 octets (the CRLF not
    counted), never inside a UTF-8 character; each continuation starts with a space."""
    encoded = line.encode("utf-8")
    parts: list[str] = []
    start, limit = 0, LINE_OCTETS
    while len(encoded) - start > limit:
        end = start + limit
        # Back up to the first byte of a character: continuation bytes are 10xxxxxx.
        while (encoded[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(encoded[start:end].decode("utf-8"))
        start, limit = end, LINE_OCTETS - 1  # the leading space takes one octet
    parts.append(encoded[start:].decode("utf-8"))
    return (CRLF + " ").join(parts)


def _event_lines(event: CalendarEvent, stamp: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{ics_utc(event.start)}",
        f"DTEND:{ics_utc(event.end)}",
        f"SUMMARY:{ics_escape(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{ics_escape(event.description)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    lines.append("END:VEVENT")
    return lines


def ics_calendar(events: Iterable[CalendarEvent], *, now: datetime | None = None) -> str:
    stamp = ics_utc(now or timezone.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "METHOD:PUBLISH"]
    for event in events:
        lines.extend(_event_lines(event, stamp))
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(line) + CRLF for line in lines)


# -- the objects Amends puts in a calendar -----------------------------------------


def _domain() -> str:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host or "amends.local"


def _case_url(case: RecoveryCase) -> str:
    return f"{settings.SITE_URL}/cases/{case.pk}/"


def commitment_event(commitment: Commitment) -> CalendarEvent:
    case = commitment.case
    return CalendarEvent(
        uid=f"commitment-{commitment.pk}@{_domain()}",
        summary=_("Due: %(what)s (%(account)s)")
        % {"what": commitment.what, "account": case.account.name},
        start=commitment.due_at - DEADLINE_BLOCK,
        end=commitment.due_at,
        description=_("What we promised: %(what)s\nHow we will both know it is done: %(measure)s")
        % {"what": commitment.what, "measure": commitment.measure},
        url=_case_url(case),
    )


def step_event(step: CaseStep) -> CalendarEvent:
    case = step.case
    return CalendarEvent(
        uid=f"step-{step.pk}@{_domain()}",
        summary=_("Deadline: %(title)s (%(account)s)")
        % {"title": step.title, "account": case.account.name},
        start=step.due_at - DEADLINE_BLOCK,
        end=step.due_at,
        description=_("Step of the recovery case for %(account)s.")
        % {"account": case.account.name},
        url=_case_url(case),
    )


def follow_up_event(case: RecoveryCase, *, start: datetime, minutes: int) -> CalendarEvent:
    # Not stored: the same case and start make the same UID, so a second download
    # of the same meeting replaces the first in the calendar.
    return CalendarEvent(
        uid=f"follow-up-{case.pk}-{ics_utc(start)}@{_domain()}",
        summary=_("Follow-up meeting with %(account)s") % {"account": case.account.name},
        start=start,
        end=start + timedelta(minutes=minutes),
        description=_("Stay attentive: ask how things are going since the fix."),
        url=_case_url(case),
    )
