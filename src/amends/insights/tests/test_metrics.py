"""One small, hand-made world, and the exact figures each selector must give for it.

The period is March 2025 (UTC). The world, built by ``world`` below:

Mistake cases (from ``declare``; the first-contact deadline runs from the case's opening:
critical +2 h, major +4 h):
- I0, critical, supplier, discovered = declared 2025-02-10 00:00 (before the period): F.
  F contacted after 100 h; closed recovered on 02-20.
- I1, critical, supplier, discovered 03-03 08:00, declared 03-03 10:00 (due 12:00): A, B, C.
  A contacted 11:00 (3 h, on time), B 14:00 (6 h, late), C's first contact skipped.
  Closed: A recovered 03-25, B lost 03-26, C advocate 03-27.
- I2, major, supplier, discovered = declared 03-10 00:00: D. Never contacted; open.
- I3, critical, process, discovered 03-20 00:00, declared 03-20 01:00 (due 03:00): E, F.
  E contacted 02:00 (2 h, on time). F not contacted, paused at 05:00; F's case is a
  last chance (its previous case closed recovered). Both open.
- South's own incident in March, cause supplier, on Southern Foods.
Thaw cases: G opened 03-01 00:00, closed 03-11 12:00 recovered (10.5 days);
H opened 02-01 00:00, closed 03-04 00:00 parted (31 days).
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest

from amends.accounts.models import Account
from amends.complaints.models import Channel, Complaint
from amends.health.models import AccountHealth
from amends.incidents.models import CauseCategory, Severity
from amends.incidents.services import Impact, incident_declare
from amends.insights import casework, complainers, metrics, outcomes
from amends.recovery.models import (
    CaseStep,
    Commitment,
    CommitmentStatus,
    Outcome,
    Playbook,
    PlaybookKind,
    RecoveryCase,
)
from amends.signals.models import Signal
from amends.timeline.models import Event
from amends.timeline.services import Actor

MARCH = {"start": date(2025, 3, 1), "end": date(2025, 3, 31)}
numbers = count(1)


def at(month, day, hour=0, year=2025):
    return datetime(year, month, day, hour, tzinfo=UTC)


def signal(account, kind, when, value):
    return Signal.objects.create(
        account=account,
        kind=kind,
        at=when,
        source="test",
        external_id=str(next(numbers)),
        value=Decimal(value),
    )


def case_of(account, incident=None):
    cases = RecoveryCase.objects.filter(account=account)
    return (cases.filter(incident=incident) if incident else cases).get()


def contact(case, when, skipped=""):
    CaseStep.objects.filter(case=case, key="first_contact").update(
        done_at=when, skipped_reason=skipped
    )


def close(case, when, outcome):
    RecoveryCase.objects.filter(pk=case.pk).update(closed_at=when, outcome=outcome)


def promise(case, owner, status, due, resolved=None):
    return Commitment.objects.create(
        case=case,
        what="Reprint",
        measure="Delivered",
        owner=owner,
        due_at=due,
        status=status,
        resolved_at=resolved,
    )


def complaint(team, account, received, resolved=None):
    return Complaint.objects.create(
        team=team,
        account=account,
        channel=Channel.STAFF,
        received_at=received,
        acknowledge_by=received + timedelta(hours=4),
        text="The forms were wrong.",
        resolved_at=resolved,
    )


def lifecycle_event(account, when, lifecycle):
    Event.objects.create(
        account=account,
        at=when,
        actor_name="test",
        via="system",
        action="account.updated",
        subject_type="account",
        subject_id=account.pk,
        summary="lifecycle",
        after={"lifecycle": lifecycle},
    )


@pytest.fixture
def world(people, declare, south_account):
    north = people.north
    named = {n: Account.objects.create(team=north, name=n) for n in "ABCDEFGH"}
    A, B, C, D, E, F, G, H = named.values()
    owner = people.agent

    declare([F], discovered_at=at(2, 10), occurred_at=at(2, 9), now=at(2, 10))
    contact(case_of(F), at(2, 14, 4))
    close(case_of(F), at(2, 20), Outcome.RECOVERED)

    declare([A, B, C], discovered_at=at(3, 3, 8), occurred_at=at(3, 3), now=at(3, 3, 10))
    contact(case_of(A), at(3, 3, 11))
    contact(case_of(B), at(3, 3, 14))
    contact(case_of(C), at(3, 3, 10), skipped="They called us first.")
    close(case_of(A), at(3, 25), Outcome.RECOVERED)
    close(case_of(B), at(3, 26), Outcome.LOST)
    close(case_of(C), at(3, 27), Outcome.ADVOCATE)

    declare(
        [D], severity=Severity.MAJOR, discovered_at=at(3, 10), occurred_at=at(3, 9), now=at(3, 10)
    )
    i3 = declare(
        [E, F], cause="process", discovered_at=at(3, 20), occurred_at=at(3, 19), now=at(3, 20, 1)
    )
    contact(case_of(E), at(3, 20, 2))
    RecoveryCase.objects.filter(pk=case_of(F, i3).pk).update(paused_at=at(3, 20, 5))
    incident_declare(
        actor=Actor(user=people.outsider, via="web"),
        team=people.south,
        title="Wrong delivery",
        occurred_at=at(3, 4),
        discovered_at=at(3, 5),
        cause=CauseCategory.objects.get(slug="supplier"),
        affected=[Impact(account_id=south_account.pk)],
        now=at(3, 5),
    )

    thaw = Playbook.objects.get(kind=PlaybookKind.THAW)
    for account, opened, closed, outcome in [
        (G, at(3, 1), at(3, 11, 12), Outcome.RECOVERED),
        (H, at(2, 1), at(3, 4), Outcome.PARTED),
    ]:
        RecoveryCase.objects.create(
            account=account,
            playbook=thaw,
            severity=Severity.MODERATE,
            opened_at=opened,
            closed_at=closed,
            outcome=outcome,
        )
    return {"people": people, **named, "i3": i3, "owner": owner}


def test_it_measures_discovery_to_first_contact_per_severity(world):
    result = casework.first_contact_times(teams={world["people"].north.pk}, **MARCH)

    # Critical, opened in March: A 3 h, B 6 h, E 2 h; C skipped; F (I3) not yet.
    # Sorted 2, 3, 6: median 3; nearest rank ceil(0.9 * 3) = 3rd → 6.
    # On time: A (11:00 ≤ 12:00) and E (02:00 ≤ 03:00); B is late → 2/3.
    # Major: D never contacted. F's February case (100 h) is outside the period.
    assert result["by_severity"] == [
        {
            "severity": 1,
            "label": "Critical",
            "contacted": 3,
            "not_yet_contacted": 1,
            "median_hours": 3.0,
            "p90_hours": 6.0,
            "within_deadline_share": 0.6667,
        },
        {
            "severity": 2,
            "label": "Major",
            "contacted": 0,
            "not_yet_contacted": 1,
            "median_hours": None,
            "p90_hours": None,
            "within_deadline_share": None,
        },
    ]
    assert "nearest rank" in result["definition"]


def test_it_takes_the_nearest_rank_percentile():
    values = [15, 20, 35, 40, 50]
    assert casework.percentile_nearest_rank(values, 30) == 20  # ceil(1.5) = 2nd
    assert casework.percentile_nearest_rank(values, 90) == 50  # ceil(4.5) = 5th
    assert casework.percentile_nearest_rank([7], 90) == 7


def test_it_counts_commitments_kept_on_time(world):
    a, d, owner = case_of(world["A"]), case_of(world["D"]), world["owner"]
    promise(a, owner, CommitmentStatus.KEPT, at(3, 5), resolved=at(3, 5))
    promise(a, owner, CommitmentStatus.KEPT, at(3, 8), resolved=at(3, 8))
    promise(a, owner, CommitmentStatus.KEPT_LATE, at(3, 5), resolved=at(3, 6))
    promise(a, owner, CommitmentStatus.BROKEN, at(3, 7), resolved=at(3, 7))
    promise(a, owner, CommitmentStatus.RENEGOTIATED, at(3, 4), resolved=at(3, 4))
    promise(a, owner, CommitmentStatus.KEPT, at(4, 2), resolved=at(4, 2))  # April
    promise(d, owner, CommitmentStatus.OPEN, at(3, 15))

    result = casework.commitments_kept_on_time(teams=None, **MARCH)

    # 2 kept / (2 kept + 1 late + 1 broken); the renegotiated and April ones don't count.
    assert {k: result[k] for k in ("kept", "kept_late", "broken", "share")} == {
        "kept": 2,
        "kept_late": 1,
        "broken": 1,
        "share": 0.5,
    }


def test_it_computes_the_recovery_rate_and_thaw_time(world):
    rate = outcomes.recovery_rate(teams=None, **MARCH)
    # Closed in March: A recovered, B lost, C advocate (mistake); G recovered, H parted
    # (thaw). F's recovered case closed in February.
    assert (rate["closed"], rate["recovered"], rate["rate"]) == (5, 3, 0.6)
    assert rate["by_playbook"] == {
        "mistake": {"closed": 3, "recovered": 2, "rate": 0.6667},
        "thaw": {"closed": 2, "recovered": 1, "rate": 0.5},
    }

    thaw = outcomes.thaw_days_to_resolve(teams=None, **MARCH)
    # G 10.5 days, H 31 days → 20.75.
    assert (thaw["cases"], thaw["mean_days"]) == (2, 20.75)


def test_it_computes_the_win_back_rate(people):
    team = people.north
    w1, w2, w3, w4, w5 = (Account.objects.create(team=team, name=f"W{i}") for i in range(1, 6))
    for account in (w1, w2, w3, w4):
        lifecycle_event(account, at(1, 15), "churned")
    lifecycle_event(w4, at(2, 1), "active")  # back before the period: not churned at start
    lifecycle_event(w2, at(3, 10), "won_back")
    signal(w3, "order", at(3, 15), "120")
    signal(w1, "order", at(4, 2), "120")  # after the period
    lifecycle_event(w5, at(3, 2), "churned")  # churned during the period, not at its start

    result = outcomes.win_back_rate(teams=None, **MARCH)

    # Churned at the start: W1, W2, W3. Won back: W2 (moved), W3 (ordered) → 2/3.
    assert (result["churned_at_start"], result["won_back"], result["rate"]) == (3, 2, 0.6667)
    assert outcomes.win_back_rate(teams={people.south.pk}, **MARCH)["rate"] is None


def test_it_counts_recurring_causes_within_the_readers_teams(world):
    north = casework.recurring_causes(teams={world["people"].north.pk}, **MARCH)
    # I1 and I2 supplier, I3 process; I0 was in February.
    assert north["by_cause"] == [
        {"cause": "supplier", "name": "Supplier", "incidents": 2},
        {"cause": "process", "name": "Process", "incidents": 1},
    ]
    assert north["recurring"] == ["supplier"]

    everyone = casework.recurring_causes(teams=None, **MARCH)
    assert everyone["by_cause"][0]["incidents"] == 3  # South's supplier incident too


def test_it_lists_double_failures(world):
    result = outcomes.double_failures(teams=None, **MARCH)
    # F recovered in February and failed again in March.
    case = case_of(world["F"], world["i3"])
    assert result["accounts"] == 1
    assert result["list"] == [
        {
            "account_id": world["F"].pk,
            "name": "F",
            "cases": [{"case_id": case.pk, "opened_at": "2025-03-20T01:00:00+00:00"}],
        }
    ]
    assert outcomes.double_failures(teams={world["people"].south.pk}, **MARCH)["accounts"] == 0


def test_it_shows_open_cases_by_stage_and_what_is_late(world):
    owner = world["owner"]
    promise(case_of(world["D"]), owner, CommitmentStatus.OPEN, at(3, 15))  # late
    promise(case_of(world["E"]), owner, CommitmentStatus.OPEN, at(4, 5))  # not yet due
    promise(case_of(world["A"]), owner, CommitmentStatus.OPEN, at(3, 10))  # case closed

    result = casework.open_work(teams={world["people"].north.pk}, now=at(4, 1))

    # Open: D, E, F. D and F still wait for first contact; E is at discovery.
    assert result["by_stage"] == [
        {"playbook": "mistake", "stage": "discovery", "cases": 1},
        {"playbook": "mistake", "stage": "first_contact", "cases": 2},
    ]
    # D (major, opened 03-10): due +4 h, 2 d, 2 d, 3 d, 3 d, 5 d, 10 d, 21 d, 30 d
    #   → all but the 30-day step are before 04-01: 8 late.
    # E (critical, opened 03-20 01:00, 287 h before now): unfinished steps due at
    #   24, 24, 48, 48, 72, 168 h are late, 336 and 720 h are not: 6 late.
    # F paused at 03-20 05:00: only first contact (due 03:00) was late by then: 1.
    assert result["late_steps"] == 15
    assert result["late_commitments"] == 1


def test_it_compares_satisfaction_before_and_after_recovery(world):
    A, B, C = world["A"], world["B"], world["C"]
    # A: opened 03-03, closed 03-25.
    signal(A, "csat", at(1, 1), "3")  # before (within 90 days)
    signal(A, "csat", at(2, 10), "2")  # before
    signal(A, "csat", at(3, 10), "1")  # during the case: neither
    signal(A, "csat", at(4, 10), "5")  # after
    signal(A, "csat", at(5, 1), "4")  # after
    signal(A, "csat", at(7, 30), "1")  # more than 90 days after
    signal(B, "csat", at(2, 20), "1")  # B: nothing after → unpaired
    signal(C, "csat", at(3, 1), "3")  # C: before 3, after 5
    signal(C, "csat", at(4, 1), "5")

    result = outcomes.satisfaction_before_after(teams=None, **MARCH)

    # Case means: A 2.5 → 4.5, C 3 → 5; means of means: 2.75 → 4.75.
    assert {k: result[k] for k in ("cases", "cases_without_both", "mean_before", "mean_after")} == {
        "cases": 2,
        "cases_without_both": 1,
        "mean_before": 2.75,
        "mean_after": 4.75,
    }


@pytest.fixture
def problems(world):
    """Complaints and orders around the problems of ``world``."""
    north = world["people"].north
    A, B, C, D, E, F, G = (world[n] for n in "ABCDEFG")
    complaint(north, B, at(3, 5, 9), resolved=at(3, 5, 20))  # fast: 11 h
    complaint(north, C, at(3, 6), resolved=at(3, 8))  # slow: 48 h
    complaint(north, D, at(3, 12))  # not resolved
    complaint(north, G, at(3, 2), resolved=at(3, 2, 12))  # fast; G had no incident
    complaint(north, A, at(4, 5))  # after the period: A did not complain in it
    complaint(north, None, at(3, 7))  # nobody's account: left out
    signal(A, "order", at(4, 20), "100")  # A: buying (within 90 days of 03-03)
    signal(B, "order", at(3, 6), "300")
    signal(D, "order", at(3, 13), "200")
    signal(D, "order", at(3, 14), "100")
    signal(E, "order", at(7, 1), "50")  # more than 90 days after 03-20
    signal(F, "order", at(3, 25), "90")
    signal(G, "order", at(2, 15), "1000")  # before its problem, and before the period
    signal(G, "order", at(3, 20), "400")
    return world


def test_it_builds_the_retention_table(problems):
    result = complainers.retention_after_problems(teams={problems["people"].north.pk}, **MARCH)

    # Did not complain: A (buying), E (order too late), F (buying) → 2/3.
    # Complained: B fast (buying), C slow (not), D unresolved (buying), G fast (buying).
    assert result["rows"] == [
        {"group": "did_not_complain", "accounts": 3, "still_buying": 2, "share": 0.6667},
        {"group": "complained", "accounts": 4, "still_buying": 3, "share": 0.75},
        {"group": "complained_not_resolved", "accounts": 1, "still_buying": 1, "share": 1.0},
        {"group": "complained_resolved_slowly", "accounts": 1, "still_buying": 0, "share": 0.0},
        {"group": "complained_resolved_fast", "accounts": 2, "still_buying": 2, "share": 1.0},
    ]
    # Every team: South's affected account joins those who did not complain (no order).
    everyone = complainers.retention_after_problems(teams=None, **MARCH)["rows"][0]
    assert (everyone["accounts"], everyone["still_buying"]) == (4, 2)


def test_it_compares_spend_of_complainers_and_silent_customers(problems):
    result = complainers.spend_complainers_vs_silent(teams={problems["people"].north.pk}, **MARCH)

    # Complainers B 300, C 0, D 300, G 400 → 1000 / 4. Silent (affected in March, no
    # complaint): A 0 (its order is in April), E 0, F 90 → 90 / 3.
    assert result["by_currency"] == {
        "EUR": {
            "complainers": {"accounts": 4, "total": "1000.00", "mean_per_account": "250.00"},
            "silent": {"accounts": 3, "total": "90.00", "mean_per_account": "30.00"},
        }
    }


def test_it_refuses_a_period_that_ends_before_it_starts():
    with pytest.raises(ValueError):
        metrics.period_bounds(date(2025, 3, 2), date(2025, 3, 1))


# -- the segment filter ----------------------------------------------------------------------


def segment_now(segment, *accounts):
    """What the latest rescore said (and copied onto the account's row, where the filter
    reads it): only the segment matters to the filter."""
    for account in accounts:
        AccountHealth.objects.create(
            account=account, score=50, band="yellow", segment=segment, scored_at=at(4, 1)
        )
        Account.objects.filter(pk=account.pk).update(health_band="yellow", health_segment=segment)


@pytest.fixture
def segmented(problems):
    A, D, E, F, G = (problems[n] for n in "ADEFG")
    segment_now("at_risk", A, D)
    segment_now("unhappy", E, F)
    segment_now("loyal", G)  # B, C and H were never scored: in no segment
    return problems


def test_it_narrows_case_figures_to_a_segment(segmented):
    north = {segmented["people"].north.pk}
    at_risk = {"teams": north, "segment": "at_risk", **MARCH}

    # A (3 h, on time) and D (major, never contacted) are at risk.
    assert casework.first_contact_times(**at_risk)["by_severity"] == [
        {
            "severity": 1,
            "label": "Critical",
            "contacted": 1,
            "not_yet_contacted": 0,
            "median_hours": 3.0,
            "p90_hours": 3.0,
            "within_deadline_share": 1.0,
        },
        {
            "severity": 2,
            "label": "Major",
            "contacted": 0,
            "not_yet_contacted": 1,
            "median_hours": None,
            "p90_hours": None,
            "within_deadline_share": None,
        },
    ]
    # Closed in March among A and D: A, recovered.
    rate = outcomes.recovery_rate(**at_risk)
    assert (rate["closed"], rate["recovered"], rate["rate"]) == (1, 1, 1.0)
    # Open now among A and D: D, waiting for first contact.
    assert casework.open_work(teams=north, segment="at_risk", now=at(4, 1))["by_stage"] == [
        {"playbook": "mistake", "stage": "first_contact", "cases": 1}
    ]
    # F's last-chance case: F is unhappy, not at risk.
    assert outcomes.double_failures(**at_risk)["accounts"] == 0
    assert outcomes.double_failures(**(at_risk | {"segment": "unhappy"}))["accounts"] == 1
    # G's thaw case (10.5 days); H was never scored.
    thaw = outcomes.thaw_days_to_resolve(**(at_risk | {"segment": "loyal"}))
    assert (thaw["cases"], thaw["mean_days"]) == (1, 10.5)
    assert thaw["histogram"][1] == {"from_days": 7, "to_days": 14, "cases": 1}


def test_it_keeps_the_incidents_that_touched_the_segment(segmented):
    north = {segmented["people"].north.pk}
    # I1 touched A, I2 touched D (both supplier); I3 touched only E and F (unhappy).
    at_risk = casework.recurring_causes(teams=north, segment="at_risk", **MARCH)
    assert at_risk["by_cause"] == [{"cause": "supplier", "name": "Supplier", "incidents": 2}]
    unhappy = casework.recurring_causes(teams=north, segment="unhappy", **MARCH)
    assert unhappy["by_cause"] == [{"cause": "process", "name": "Process", "incidents": 1}]
    assert unhappy["recurring"] == []


def test_it_narrows_the_complaint_figures_to_a_segment(segmented):
    north = {segmented["people"].north.pk}
    at_risk = {"teams": north, "segment": "at_risk", **MARCH}
    owner = segmented["owner"]
    promise(case_of(segmented["A"]), owner, CommitmentStatus.KEPT, at(3, 5), resolved=at(3, 5))
    promise(case_of(segmented["D"]), owner, CommitmentStatus.BROKEN, at(3, 9), resolved=at(3, 9))
    promise(case_of(segmented["E"]), owner, CommitmentStatus.KEPT, at(3, 21), resolved=at(3, 21))

    kept = casework.commitments_kept_on_time(**at_risk)
    assert (kept["kept"], kept["broken"], kept["share"]) == (1, 1, 0.5)
    # A did not complain and buys; D complained, is not resolved, and buys.
    assert complainers.retention_after_problems(**at_risk)["rows"] == [
        {"group": "did_not_complain", "accounts": 1, "still_buying": 1, "share": 1.0},
        {"group": "complained", "accounts": 1, "still_buying": 1, "share": 1.0},
        {"group": "complained_not_resolved", "accounts": 1, "still_buying": 1, "share": 1.0},
        {"group": "complained_resolved_slowly", "accounts": 0, "still_buying": 0, "share": None},
        {"group": "complained_resolved_fast", "accounts": 0, "still_buying": 0, "share": None},
    ]
    # Complainer D ordered 300 in March; silent A's order came in April.
    assert complainers.spend_complainers_vs_silent(**at_risk)["by_currency"] == {
        "EUR": {
            "complainers": {"accounts": 1, "total": "300.00", "mean_per_account": "300.00"},
            "silent": {"accounts": 1, "total": "0.00", "mean_per_account": "0.00"},
        }
    }


def test_it_narrows_satisfaction_and_win_back_to_a_segment(segmented, people):
    A, C = segmented["A"], segmented["C"]
    for account, when, value in [(A, at(2, 10), "2"), (A, at(4, 10), "5")]:
        signal(account, "csat", when, value)
    signal(C, "csat", at(3, 1), "3")
    signal(C, "csat", at(4, 1), "5")
    satisfied = outcomes.satisfaction_before_after(teams=None, segment="at_risk", **MARCH)
    # A only: C was never scored, B (lost) is in no segment either.
    assert (satisfied["cases"], satisfied["mean_before"], satisfied["mean_after"]) == (1, 2.0, 5.0)

    gone, back = (Account.objects.create(team=people.north, name=n) for n in ("Gone", "Back"))
    for account in (gone, back):
        lifecycle_event(account, at(1, 15), "churned")
    lifecycle_event(back, at(3, 10), "won_back")
    segment_now("unhappy", gone, back)
    segment_now("loyal", segmented["H"])
    lifecycle_event(segmented["H"], at(1, 20), "churned")
    won = outcomes.win_back_rate(teams=None, segment="unhappy", **MARCH)
    assert (won["churned_at_start"], won["won_back"], won["rate"]) == (2, 1, 0.5)
