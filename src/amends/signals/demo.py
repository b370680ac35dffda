"""Demo signals: a year of orders, NPS and CSAT answers, usage, meetings, late
payments, referrals and a few complaints for the demo accounts, recorded through
``signals_record`` like any other way in (so complaints reach the inbox), then a
health rescore so every list and panel has something true to show.

Deterministic: the same seed gives the same signals. The accounts fall into
moods (happy, steady, cooling, unhappy) so every band and segment appears."""

import random
from datetime import datetime, timedelta

from django.utils import timezone

from amends.accounts.models import Account, Kind
from amends.signals.models import Signal
from amends.signals.services import signals_record
from amends.timeline.services import Actor

SOURCE = "demo"
MOODS = [("happy", 35), ("steady", 35), ("cooling", 18), ("unhappy", 12)]
COMPLAINTS = [
    "The invoice was sent twice and nobody answered my email.",
    "Third late delivery this quarter. We are losing patience.",
    "Your support line kept me on hold for forty minutes.",
    "The new portal logs us out every ten minutes.",
    "Wrong items in the last order, again.",
]


def _mood(rng: random.Random) -> str:
    return rng.choices([m for m, _ in MOODS], [w for _, w in MOODS])[0]


def _items_for(account: Account, rng: random.Random, now: datetime) -> list[dict[str, str]]:
    mood = _mood(rng)
    items: list[dict[str, str]] = []

    def add(kind: str, days_ago: float, **values: str) -> None:
        at = now - timedelta(days=days_ago)
        items.append(
            {
                "account_id": str(account.pk),
                "kind": kind,
                "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "external_id": f"{account.pk}-{len(items)}",
                **values,
            }
        )

    # How recently they were in touch: cooling accounts have gone quiet.
    quiet = {"happy": 3, "steady": 15, "cooling": 75, "unhappy": 20}[mood]
    orders = rng.randint(4, 14) if account.kind == Kind.CONSUMER else rng.randint(2, 8)
    for n in range(orders):
        add(
            "order",
            quiet + (360 - quiet) * n / orders + rng.random() * 5,
            value=f"{rng.randint(40, 4000)}.00",
            currency=account.currency,
        )
    nps = {"happy": (9, 10), "steady": (7, 8), "cooling": (6, 8), "unhappy": (0, 5)}[mood]
    add("nps", quiet + rng.randint(0, 20), value=str(rng.randint(*nps)))
    csat = {"happy": (4, 5), "steady": (3, 5), "cooling": (3, 4), "unhappy": (1, 2)}[mood]
    for _ in range(2):
        add("csat", quiet + rng.randint(0, 60), value=str(rng.randint(*csat)))
    trend = {"happy": 1.1, "steady": 1.0, "cooling": 0.5, "unhappy": 0.7}[mood]
    for month in range(6):
        level = 100 * (trend ** (5 - month) if trend < 1 else 1 + (trend - 1) * month)
        add("usage", quiet + 30 * (5 - month) + 1, metric="active_users", value=f"{level:.0f}")
    if mood in ("happy", "steady"):
        add("meeting", quiet + rng.randint(0, 10))
    if mood == "happy" and rng.random() < 0.4:
        add("referral", quiet + rng.randint(5, 60))
    if mood == "unhappy":
        for n in range(rng.randint(2, 4)):
            # The latest one is recent: it still waits in the inbox.
            add(
                "complaint",
                rng.randint(0, 6) if n == 0 else rng.randint(8, 60),
                text=rng.choice(COMPLAINTS),
            )
        add("late_payment", rng.randint(5, 40))
    elif mood == "cooling" and rng.random() < 0.5:
        add("complaint", quiet + rng.randint(0, 10), text=rng.choice(COMPLAINTS))
    return items


def demo_signals(*, seed: int = 1, now: datetime | None = None) -> int:
    """Record the demo signals once (they are idempotent anyway); returns how many were new."""
    if Signal.objects.filter(source=SOURCE).exists():
        return 0
    now = now or timezone.now()
    rng = random.Random(seed)
    items: list[dict[str, str]] = []
    for account in Account.objects.order_by("pk"):
        items.extend(_items_for(account, rng, now))
    return signals_record(actor=Actor.system(), items=items, default_source=SOURCE).created
