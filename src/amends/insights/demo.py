"""Demo data for the insights dashboard, on top of what ``amends demo`` loads (accounts,
a year of signals, recoveries, complaints, one health rescore), so that every chart
has something true to show:

- half a year of health snapshots (daily for the last five weeks, weekly before),
  drifting to each account's score and segment of the latest rescore: some loyal
  accounts slipped, some unhappy ones were won over;
- churn and win-back moves on the timeline, and four former customers who left half a
  year ago, so the win-back rate has churned accounts, won back or not;
- thaw cases opened and closed over the last three months;
- two more incidents with other causes, contacted (some late) and closed;
- CSAT answers before and after the closed mistake cases;
- complaints resolved within hours, and some answered but not resolved, so every
  row of the retention (TARP) table is filled.

Idempotent: snapshots are only added on days an account has none, and the rest is made
once (its signals carry the source ``demo-insights``). Needs the rescore done first."""

import random
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from amends.accounts.models import Account, Lifecycle
from amends.accounts.services import account_create
from amends.complaints.models import Complaint
from amends.complaints.services import complaint_answer, complaint_resolve
from amends.health.models import AccountHealth, HealthSettings, HealthSnapshot, Segment
from amends.health.rollups import health_days_write
from amends.health.scoring import band_for
from amends.incidents.models import CauseCategory, Severity
from amends.incidents.services import Impact, incident_declare
from amends.people.models import Team
from amends.recovery.models import Outcome, Playbook, PlaybookKind, RecordKind, RecoveryCase
from amends.recovery.opening import case_open
from amends.recovery.services import case_close, record_add, step_skip
from amends.signals.models import Signal
from amends.signals.services import signals_record
from amends.timeline.models import Event
from amends.timeline.services import Actor, event_build, field_names, said

SOURCE = "demo-insights"
DAILY_DAYS = 35
HISTORY_DAYS = 26 * 7
# Where an account of each segment today stood half a year ago: (weight, segment then).
STORIES = {
    Segment.LOYAL: [(70, Segment.LOYAL), (20, Segment.AT_RISK), (10, Segment.UNHAPPY)],
    Segment.AT_RISK: [(45, Segment.AT_RISK), (40, Segment.LOYAL), (15, Segment.UNHAPPY)],
    Segment.UNHAPPY: [(35, Segment.UNHAPPY), (45, Segment.AT_RISK), (20, Segment.LOYAL)],
}
TYPICAL_SCORE = {Segment.LOYAL: 82, Segment.AT_RISK: 62, Segment.UNHAPPY: 34}


# Days ago with a snapshot: every day for five weeks, then one a week.
HISTORY = [*range(1, DAILY_DAYS + 1), *range(DAILY_DAYS + 7, HISTORY_DAYS + 1, 7)]


def _path(rng: random.Random, score: int, segment: str) -> tuple[str, int, int]:
    """(segment then, score then, days ago it changed) for one account."""
    weights, segments = zip(*STORIES.get(segment, [(1, segment)]), strict=True)
    then = rng.choices(segments, weights)[0]
    if then == segment:
        start = score + rng.randint(-6, 6)
    else:
        start = TYPICAL_SCORE[then] + rng.randint(-8, 8)
    return then, max(0, min(100, start)), rng.randint(14, HISTORY_DAYS - 30)


def snapshot_history(*, now: datetime) -> int:
    """Back-fill snapshots before today for every scored account, and their daily sums;
    returns how many snapshots were added. Written a few thousand accounts at a time
    with one multi-row statement (at 100,000 accounts that is 5.6 million rows: as
    model objects they took ten minutes and gigabytes)."""
    today = timezone.localdate(now)
    settings = HealthSettings.current()
    days = [today - timedelta(days=n) for n in HISTORY]
    insert = (
        "INSERT INTO health_healthsnapshot (account_id, day, score, band, segment) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
    )
    before = HealthSnapshot.objects.filter(day__in=days).count()
    scored = AccountHealth.objects.order_by("account_id").values_list(
        "account_id", "score", "segment"
    )
    chunk: list[tuple] = []
    with connection.cursor() as cursor:
        for account_id, score, segment in scored.iterator(chunk_size=2000):
            rng = random.Random(account_id)
            then, start, turned = _path(rng, score, segment)
            for ago, day in zip(HISTORY, days, strict=True):
                # The score moves over the four weeks around the turn, with daily noise.
                moved = min(1.0, max(0.0, (ago - turned + 14) / 28))
                value = round(score + (start - score) * moved + rng.uniform(-2.5, 2.5))
                value = max(0, min(100, value))
                chunk.append(
                    (
                        account_id,
                        day,
                        value,
                        band_for(value, settings),
                        then if ago > turned else segment,
                    )
                )
            if len(chunk) >= 50_000:
                cursor.executemany(insert, chunk)
                chunk = []
        if chunk:
            cursor.executemany(insert, chunk)
    health_days_write(days)
    return HealthSnapshot.objects.filter(day__in=days).count() - before


FORMER = [
    ("Northwind Ceramics", "EUR", 18000),
    ("Halvorsen Print AS", "EUR", 26000),
    ("Kowalski Logistyka", "PLN", 90000),
    ("Atlas Office Supply", "USD", 12000),
]


def _former_customers(now: datetime, rng: random.Random) -> tuple[list[Account], list[dict]]:
    """Accounts that left half a year ago and have not ordered since: without them every
    churned demo account orders in any 90 days, and everyone would look won back."""
    team = Team.objects.order_by("pk").first()
    made, items = [], []
    for name, currency, value in FORMER:
        account = Account.objects.filter(name=name).first() or account_create(
            actor=Actor.system(),
            team=team,
            name=name,
            annual_value=value,
            currency=currency,
            lifecycle=Lifecycle.CHURNED,
        )
        made.append(account)
        for n in range(3):
            at = now - timedelta(days=200 + 45 * n + rng.randint(0, 20))
            amount = f"{rng.randint(400, 2500)}.00"
            items.append(_item(account.pk, "order", at, 500 + n, value=amount, currency=currency))
    return made, items


def _lifecycle_history(now: datetime, rng: random.Random, former: list[Account]) -> int:
    """On the timeline: the won-back accounts churned months ago and came back lately,
    the former customers left half a year ago, the churned ones left within the last
    three months. Their rows already say where they are now."""
    events = []
    # An account whose timeline already tells how it got there is left as it is.
    told = Event.objects.filter(action="account.updated", after__has_key="lifecycle")
    accounts = Account.objects.filter(
        lifecycle__in=[Lifecycle.CHURNED, Lifecycle.WON_BACK]
    ).exclude(pk__in=told.values("account_id"))
    gone = {a.pk for a in former}
    fields = field_names(Account, ["lifecycle"])
    for account in accounts.order_by("pk"):
        if account.lifecycle == Lifecycle.WON_BACK:
            moves = [
                (Lifecycle.ACTIVE, Lifecycle.CHURNED, rng.randint(120, 240)),
                (Lifecycle.CHURNED, Lifecycle.WON_BACK, rng.randint(5, 80)),
            ]
        else:
            days_ago = rng.randint(150, 190) if account.pk in gone else rng.randint(10, 80)
            moves = [(Lifecycle.ACTIVE, Lifecycle.CHURNED, days_ago)]
        for before, after, days_ago in moves:
            events.append(
                event_build(
                    actor=Actor.system(),
                    action="account.updated",
                    subject=account,
                    account_id=account.pk,
                    summary=said(
                        gettext_noop("Account %(name)s updated: %(fields)s"),
                        name=account.name,
                        fields=fields,
                    ),
                    before={"lifecycle": before},
                    after={"lifecycle": after},
                    at=now - timedelta(days=days_ago, hours=rng.randint(0, 23)),
                )
            )
    Event.objects.bulk_create(events)
    return len(events)


def _free_accounts(exclude: set[int]) -> list[Account]:
    """Scored, active accounts without any case yet, taking turns between the teams."""
    busy = set(RecoveryCase.objects.values_list("account_id", flat=True)) | exclude
    by_team: dict[int, list[Account]] = {}
    for account in (
        Account.objects.filter(
            lifecycle__in=[Lifecycle.ACTIVE, Lifecycle.AT_RISK], health__isnull=False
        )
        .select_related("owner", "team")
        .order_by("pk")
    ):
        if account.pk not in busy:
            by_team.setdefault(account.team_id, []).append(account)
    turns = []
    while any(by_team.values()):
        for accounts in by_team.values():
            if accounts:
                turns.append(accounts.pop(0))
    return turns


def _actor(account: Account) -> Actor:
    return Actor(user=account.owner, via="web") if account.owner_id else Actor.system()


def _skip_rest_and_close(case: RecoveryCase, actor: Actor, at: datetime, outcome: str) -> None:
    for step in case.steps.filter(done_at__isnull=True).order_by("order"):
        step_skip(actor=actor, step=step, reason="Settled in one conversation", now=at)
    # The demo's quick cases skip the apology on purpose, and say so when they close.
    case_close(actor=actor, case=case, outcome=outcome, confirm_skipped=True, now=at)


# (opened days ago, days open, outcome)
THAWS = [
    (80, 9, Outcome.RECOVERED),
    (70, 21, Outcome.RECOVERED),
    (55, 5, Outcome.ADVOCATE),
    (45, 34, Outcome.RECOVERED),
    (35, 12, Outcome.LOST),
    (28, 16, Outcome.RECOVERED),
]


def _thaw_cases(now: datetime, accounts: list[Account]) -> list[int]:
    thaw = Playbook.objects.get(kind=PlaybookKind.THAW)
    used = []
    for account, (opened, days, outcome) in zip(accounts, THAWS, strict=False):
        actor = _actor(account)
        case = case_open(
            actor=actor,
            account=account,
            playbook=thaw,
            severity=Severity.MODERATE,
            reason="Fewer orders and no answer to our last two emails",
            now=now - timedelta(days=opened),
        )
        _skip_rest_and_close(case, actor, now - timedelta(days=opened - days), outcome)
        used.append(account.pk)
    return used


# (title, cause, severity, days ago, hours to each first contact, outcomes)
INCIDENTS = [
    ("Invoices sent with the wrong VAT rate", "process", Severity.MAJOR, 50, [2, 3, 7],
     [Outcome.RECOVERED, Outcome.ADVOCATE, Outcome.RECOVERED]),
    ("Customer portal down during the month-end close", "product", Severity.CRITICAL, 25,
     [1, 4], [Outcome.RECOVERED, Outcome.LOST]),
]  # fmt: skip


def _incidents(now: datetime, accounts: list[Account]) -> list[int]:
    """Each incident hurts accounts of one team: the team with the most free ones."""
    used: list[int] = []
    for title, cause, severity, days_ago, hours, outcomes in INCIDENTS:
        by_team: dict[int, list[Account]] = {}
        for account in accounts:
            if account.pk not in used:
                by_team.setdefault(account.team_id, []).append(account)
        if not by_team:
            break
        team_id, free = max(by_team.items(), key=lambda pair: (len(pair[1]), -pair[0]))
        hurt = free[: len(hours)]
        discovered = now - timedelta(days=days_ago)
        team = Team.objects.get(pk=team_id)
        incident = incident_declare(
            actor=_actor(hurt[0]),
            team=team,
            title=title,
            occurred_at=discovered - timedelta(hours=6),
            discovered_at=discovered,
            severity=severity,
            cause=CauseCategory.objects.get(slug=cause),
            affected=[Impact(account_id=a.pk) for a in hurt],
            now=discovered + timedelta(minutes=30),
        )
        for case, after, outcome in zip(
            incident.cases.select_related("account__owner").order_by("account_id"),
            hours,
            outcomes,
            strict=False,
        ):
            actor = _actor(case.account)
            contacted = discovered + timedelta(hours=after)
            contact = case.account.contacts.first()
            record_add(
                actor=actor,
                case=case,
                kind=RecordKind.CONTACT,
                data={"channel": "call", "with_whom": contact.name if contact else "Them"},
                at=contacted,
            )
            # The contact on record completes its step (record once).
            _skip_rest_and_close(case, actor, contacted + timedelta(days=12), outcome)
            used.append(case.account_id)
    return used


def _item(account_id: int, kind: str, at: datetime, n: int, **values: str) -> dict[str, str]:
    return {
        "account_id": str(account_id),
        "kind": kind,
        "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "external_id": f"insights-{account_id}-{n}",
        **values,
    }


def _satisfaction_items(now: datetime, rng: random.Random) -> list[dict]:
    """CSAT answers before each closed mistake case, and after it."""
    items = []
    cases = RecoveryCase.objects.filter(
        playbook__kind=PlaybookKind.MISTAKE, closed_at__gte=now - timedelta(days=120)
    ).order_by("pk")
    for n, case in enumerate(cases):
        good = case.outcome in (Outcome.RECOVERED, Outcome.ADVOCATE)
        before = case.opened_at - timedelta(days=rng.randint(5, 60))
        after = min(now - timedelta(hours=1), case.closed_at + timedelta(days=rng.randint(2, 20)))
        items.append(_item(case.account_id, "csat", before, 100 + n, value=str(rng.randint(2, 3))))
        answer = rng.randint(4, 5) if good else rng.randint(1, 2)
        items.append(_item(case.account_id, "csat", after, 200 + n, value=str(answer)))
    return items


FAST_COMPLAINTS, OPEN_COMPLAINTS = 4, 2


def _complaint_items(
    now: datetime, accounts: list[Account], rng: random.Random
) -> tuple[list[dict], set[int]]:
    """Complaints from accounts that had none lately. The first ones will be resolved
    fast, and their accounts keep buying; the rest answered but still open. Returns the
    items and the accounts to resolve fast."""
    recent = set(
        Complaint.objects.filter(received_at__gte=now - timedelta(days=120)).values_list(
            "account_id", flat=True
        )
    )
    quiet = [a for a in accounts if a.pk not in recent][: FAST_COMPLAINTS + OPEN_COMPLAINTS]
    items = []
    for n, account in enumerate(quiet):
        received = now - timedelta(days=rng.randint(15, 60), hours=rng.randint(1, 8))
        text = "The delivery came a week late and nobody told us."
        items.append(_item(account.pk, "complaint", received, 300 + n, text=text))
        if n < FAST_COMPLAINTS:
            ordered = received + timedelta(days=rng.randint(7, 14))
            value = f"{rng.randint(300, 3000)}.00"
            currency = account.currency
            items.append(
                _item(account.pk, "order", ordered, 400 + n, value=value, currency=currency)
            )
    return items, {a.pk for a in quiet[:FAST_COMPLAINTS]}


def _complaints_handle(fast: set[int]) -> int:
    handled = 0
    complaints = Complaint.objects.filter(signal__source=SOURCE, account__isnull=False)
    for complaint in complaints.select_related("account__owner").order_by("pk"):
        actor = _actor(complaint.account)
        answered = complaint.received_at + timedelta(hours=2)
        complaint_answer(
            actor=actor,
            complaint=complaint,
            answer="I am sorry. The courier lost track of it; it is on its way today.",
            now=answered,
        )
        if complaint.account_id in fast:
            complaint_resolve(actor=actor, complaint=complaint, now=answered + timedelta(hours=6))
        handled += 1
    return handled


@transaction.atomic
def demo_insights(*, now: datetime | None = None) -> dict:
    """Make the insights charts meaningful on the demo data; returns what was added."""
    now = now or timezone.now()
    made = {
        "snapshots": 0,
        "lifecycle_moves": 0,
        "thaw_cases": 0,
        "incident_cases": 0,
        "signals": 0,
        "complaints": 0,
    }
    if not AccountHealth.objects.exists():
        return made  # no rescore yet: nothing to draw a history towards
    made["snapshots"] = snapshot_history(now=now)
    if Signal.objects.filter(source=SOURCE).exists():
        return made
    rng = random.Random(6)
    former, orders = _former_customers(now, rng)
    made["lifecycle_moves"] = _lifecycle_history(now, rng, former)
    free = _free_accounts(exclude=set())
    thawed = _thaw_cases(now, free)
    made["thaw_cases"] = len(thawed)
    hurt = _incidents(now, [a for a in free if a.pk not in thawed])
    made["incident_cases"] = len(hurt)
    rest = [a for a in free if a.pk not in set(thawed) | set(hurt)]
    complaints, fast = _complaint_items(now, rest, rng)
    items = _satisfaction_items(now, rng) + complaints + orders
    recorded = signals_record(actor=Actor.system(), items=items, default_source=SOURCE)
    made["signals"] = recorded.created
    made["complaints"] = _complaints_handle(fast)
    return made
