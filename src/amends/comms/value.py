"""Remind customers of the value they receive ("blow your own horn", METHOD.md,
Playbook 2): what an account got from us in a period, counted from what Amends
already knows, and the value summary message made from it."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from amends.accounts.models import Account, Contact
from amends.comms.models import MessageKind
from amends.comms.rendering import (
    Draft,
    amount_text,
    base_context,
    date_text,
    draft_from,
    draft_languages,
    sender_values,
)
from amends.complaints.models import Complaint
from amends.people.models import User
from amends.recovery.models import (
    CaseRecord,
    Commitment,
    CommitmentStatus,
    Outcome,
    RecordKind,
    RecoveryCase,
)
from amends.signals.models import Signal, SignalKind

DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366
# An advocate is a recovered customer who now recommends us: it counts as recovered.
RECOVERED = [Outcome.RECOVERED, Outcome.ADVOCATE]
KEPT = [CommitmentStatus.KEPT, CommitmentStatus.KEPT_LATE]


@dataclass(frozen=True)
class OrderTotal:
    currency: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class Gesture:
    at: datetime
    gift_kind: str
    description: str


@dataclass(frozen=True)
class ValueSummary:
    account: Account
    start: date
    end: date  # the last day counted, inclusive
    orders: int
    order_totals: list[OrderTotal]
    complaints_resolved: int
    promises_kept: int  # on time or late
    promises_kept_late: int
    gestures: list[Gesture]
    cases_recovered: int

    @property
    def is_empty(self) -> bool:
        return not (
            self.orders
            or self.complaints_resolved
            or self.promises_kept
            or self.gestures
            or self.cases_recovered
        )


def value_period_default(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS), today


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """From the start of ``start`` to the start of the day after ``end``, local time."""
    zone = timezone.get_current_timezone()
    first = timezone.make_aware(datetime.combine(start, time.min), zone)
    after = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone)
    return first, after


def value_summary(*, account: Account, start: date, end: date) -> ValueSummary:
    """What ``account`` got from us between ``start`` and ``end`` (both days counted)."""
    first, after = _bounds(start, end)
    orders = (
        Signal.objects.filter(account=account, kind=SignalKind.ORDER, at__gte=first, at__lt=after)
        .values("currency")
        .annotate(count=Count("id"), amount=Sum("value"))
        .order_by("currency")
    )
    totals: dict[str, OrderTotal] = {}
    for row in orders:
        # An order without a currency is in the account's own.
        currency = row["currency"] or account.currency
        before = totals.get(currency, OrderTotal(currency, 0, Decimal(0)))
        totals[currency] = OrderTotal(
            currency, before.count + row["count"], before.amount + (row["amount"] or 0)
        )
    kept = list(
        Commitment.objects.filter(
            case__account=account, status__in=KEPT, resolved_at__gte=first, resolved_at__lt=after
        ).values_list("status", flat=True)
    )
    gestures = CaseRecord.objects.filter(
        case__account=account, kind=RecordKind.GESTURE, at__gte=first, at__lt=after
    ).order_by("at", "id")
    return ValueSummary(
        account=account,
        start=start,
        end=end,
        orders=sum(t.count for t in totals.values()),
        order_totals=sorted(totals.values(), key=lambda t: t.currency),
        complaints_resolved=Complaint.objects.filter(
            account=account, resolved_at__gte=first, resolved_at__lt=after
        ).count(),
        promises_kept=len(kept),
        promises_kept_late=sum(1 for status in kept if status == CommitmentStatus.KEPT_LATE),
        gestures=[
            Gesture(g.at, g.data.get("gift_kind", ""), g.data.get("description", ""))
            for g in gestures
        ],
        cases_recovered=RecoveryCase.objects.filter(
            account=account, outcome__in=RECOVERED, closed_at__gte=first, closed_at__lt=after
        ).count(),
    )


def value_context(
    *,
    summary: ValueSummary,
    language: str,
    sender: User | None,
    to_name: str = "",
    to_email: str = "",
) -> dict:
    context = base_context(language)
    account = summary.account
    context.update(
        contact={"name": to_name, "email": to_email},
        account={"name": account.name},
        sender=sender_values(sender, team_id=account.team_id, language=language),
        period={
            "start": date_text(summary.start, language, weekday=False),
            "end": date_text(summary.end, language, weekday=False),
        },
        value={
            "is_empty": summary.is_empty,
            "orders": {
                "count": summary.orders,
                "totals": [
                    {"currency": t.currency, "amount": amount_text(t.amount, language)}
                    for t in summary.order_totals
                    if t.amount
                ],
            },
            "complaints_resolved": summary.complaints_resolved,
            "promises_kept": summary.promises_kept,
            "promises_kept_late": summary.promises_kept_late,
            "gestures": [
                {"description": g.description, "date": date_text(g.at, language, weekday=False)}
                for g in summary.gestures
            ],
            "cases_recovered": summary.cases_recovered,
        },
    )
    return context


def value_draft(
    *,
    summary: ValueSummary,
    sender: User | None,
    contact: Contact | None = None,
    to_email: str = "",
    to_name: str = "",
    language: str = "",
) -> Draft:
    name = to_name or (contact.name if contact else "")
    email = to_email or (contact.email if contact else "")
    return draft_from(
        kind=MessageKind.VALUE_SUMMARY,
        languages=draft_languages(contact=contact, account=summary.account, chosen=language),
        context_for=lambda code: value_context(
            summary=summary, language=code, sender=sender, to_name=name, to_email=email
        ),
    )


def value_message_key(*, account: Account, start: date, end: date, email: str) -> str:
    return f"value:{account.pk}:{start.isoformat()}:{end.isoformat()}:{email.strip().lower()}"
