"""At-risk rules: after a rescore, each active rule opens a thaw case (Playbook 2)
for the accounts that *newly* meet it, by the system actor, with the reason.

- **turned red**: the band is red now and was not at the previous rescore (an
  account scored for the first time counts as not red before).
- **detractor**: the latest NPS answer is 0-6 and reached Amends (``created_at``,
  so an answer delivered late still counts) since the previous rescore.
- **cooling**: a kind of cooling (falling score, silence, lapsing buyer) that the
  account did not show at the previous rescore.
- **silent high value**: silence newly detected on an account worth at least the
  rule's minimum.

A rule's minimum annual value, when set, applies to any trigger. Never for accounts
that are churned or parting. **At most one open thaw case per account**: an account
with one already gets no other, and one that meets several rules at once gets one
case naming every reason. Run twice, the second run finds nothing new.

The very first rescore opens nothing: it is the baseline the next ones compare with.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from amends.accounts.models import Account, Lifecycle
from amends.health.models import AtRiskRule, Band, HealthSettings, Trigger
from amends.health.scoring import DETRACTOR, FALLING, LAPSING, SILENT, nps_category
from amends.incidents.models import Severity
from amends.recovery.models import Playbook, PlaybookKind, RecoveryCase
from amends.recovery.opening import cases_open
from amends.timeline.services import Actor

logger = logging.getLogger(__name__)

CLOSED_LIFECYCLES = {Lifecycle.CHURNED, Lifecycle.PARTING}


@dataclass(slots=True)
class Assessment:
    """What the rules need to know of one freshly scored account."""

    account_id: int
    annual_value: Decimal
    lifecycle: str
    score: int
    band: str
    previous_band: str | None
    nps: float | None
    nps_received_at: datetime | None
    new_cooling: list[dict] = field(default_factory=list)

    @property
    def worth_a_look(self) -> bool:
        return bool(
            self.band == Band.RED
            or self.new_cooling
            or (self.nps is not None and nps_category(self.nps) == DETRACTOR)
        )


def _cooling_words(entry: dict) -> str:
    # Stored on the case in English, like every other case reason.
    if entry["kind"] == FALLING:
        return f"score fell {entry['points']} points in {entry['days']} days"
    if entry["kind"] == SILENT:
        return f"no touch for {entry['days']} days"
    if entry["kind"] == LAPSING:
        return f"probably no longer buying ({round(100 * entry['p_alive'])}% active)"
    return entry["kind"]


def _match(rule: AtRiskRule, a: Assessment, since: datetime) -> tuple[int, str] | None:
    if rule.min_annual_value is not None and a.annual_value < rule.min_annual_value:
        return None
    if rule.trigger == Trigger.TURNED_RED:
        if a.band == Band.RED and a.previous_band != Band.RED:
            return Severity.MAJOR, f"Health turned red ({a.score})"
    elif rule.trigger == Trigger.DETRACTOR:
        fresh = a.nps_received_at is not None and a.nps_received_at > since
        if fresh and nps_category(a.nps) == DETRACTOR:
            return Severity.MODERATE, f"Detractor: NPS {a.nps:g}"
    elif rule.trigger == Trigger.COOLING:
        if a.new_cooling:
            words = ", ".join(_cooling_words(entry) for entry in a.new_cooling)
            return Severity.MODERATE, f"Cooling: {words}"
    elif rule.trigger == Trigger.SILENT_HIGH_VALUE:
        silent = next((e for e in a.new_cooling if e["kind"] == SILENT), None)
        if silent is not None:
            return Severity.MODERATE, f"High-value account silent for {silent['days']} days"
    return None


def at_risk_cases_open(*, assessments: list[Assessment], since: datetime, now: datetime) -> int:
    """Open the thaw cases the active rules call for; returns how many were opened."""
    rules = list(AtRiskRule.objects.filter(active=True))
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for a in assessments:
        if a.lifecycle in CLOSED_LIFECYCLES:
            continue
        for rule in rules:
            hit = _match(rule, a, since)
            if hit is not None and hit[1] not in (text for _, text in found[a.account_id]):
                found[a.account_id].append(hit)
    found = {account_id: hits for account_id, hits in found.items() if hits}
    if not found:
        return 0
    thaw = Playbook.objects.filter(kind=PlaybookKind.THAW).first()
    if thaw is None or not thaw.steps.exists():
        logger.error("No thaw playbook with steps: %s at-risk account(s) got no case.", len(found))
        return 0
    with transaction.atomic():
        # One rule run at a time (PostgreSQL; SQLite's IMMEDIATE transactions already
        # queue), so two workers cannot both see "no open thaw case" and both open one.
        list(HealthSettings.objects.select_for_update().order_by("pk")[:1])
        busy = set(
            RecoveryCase.objects.filter(playbook=thaw, closed_at__isnull=True).values_list(
                "account_id", flat=True
            )
        )
        wanted = [account_id for account_id in found if account_id not in busy]
        groups: dict[tuple[int, str], list[Account]] = defaultdict(list)
        for start in range(0, len(wanted), 500):
            accounts = (
                Account.objects.filter(pk__in=wanted[start : start + 500])
                .exclude(lifecycle__in=CLOSED_LIFECYCLES)
                .select_related("owner")
            )
            for account in accounts:
                hits = found[account.pk]
                severity = min(level for level, _ in hits)  # 1 is the worst
                groups[(severity, "; ".join(text for _, text in hits))].append(account)
        opened = 0
        for (severity, reason), accounts in groups.items():
            opened += len(
                cases_open(
                    actor=Actor.system(),
                    accounts=accounts,
                    playbook=thaw,
                    severity=severity,
                    reason=reason,
                    now=now,
                )
            )
    return opened
