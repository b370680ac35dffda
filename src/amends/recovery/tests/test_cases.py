from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from amends.accounts.models import Account
from amends.accounts.services import account_create
from amends.incidents.selectors import incident_similar
from amends.recovery.escalation import deadlines_check
from amends.recovery.models import (
    CaseStep,
    Commitment,
    CommitmentStatus,
    Escalation,
    RecoveryCase,
)
from amends.recovery.selectors import (
    commitment_is_late,
    commitment_late_q,
    step_missing,
    step_state,
)
from amends.recovery.services import (
    case_close,
    case_pause,
    case_resume,
    commitment_add,
    commitment_break,
    commitment_keep,
    commitment_renegotiate,
    record_add,
    step_complete,
    step_skip,
)
from amends.timeline.models import Event
from amends.timeline.services import Actor

RECORDS = {
    "contact": {"channel": "call", "with_whom": "Joanna Nowak"},
    "conversation": {
        "participants": "Joanna Nowak, Piotr Zieliński",
        "answers": [{"question": "How can we help?", "answer": "Reprint by Friday."}],
    },
    "apology": {"channel": "in_person", "words": "I am sorry we let you down."},
    "explanation": {"text": "Our supplier's plates carried last year's template."},
    "preventive_change": {
        "what": "A proof check before every run",
        "how_customer_is_told": "A call from Maria",
    },
    "gesture": {"gift_kind": "advice", "description": "A free layout review", "cost": "300"},
}


def walk_to_the_end(case, actor, *, now=None):
    """Record what each step needs, as a careful owner would: each step completes
    itself once its records are in (record once)."""
    for kind, data in RECORDS.items():
        record_add(actor=actor, case=case, kind=kind, data=data)
    promise = commitment_add(
        actor=actor,
        case=case,
        what="Reprint all 65,000 forms",
        measure="Forms delivered and counted at the customer's warehouse",
        owner=actor.user,
        due_at=timezone.now() + timedelta(hours=24),
    )
    commitment_keep(actor=actor, commitment=promise)
    record_add(
        actor=actor, case=case, kind="follow_up", data={"note": "All good", "released": True}
    )
    assert not case.steps.filter(done_at__isnull=True).exists()


@pytest.fixture
def agent(people):
    return Actor(user=people.agent, via="web")


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", ["recovered", "advocate", "parted", "lost"])
def test_it_walks_a_case_from_declaration_to_each_outcome(declare, account, agent, outcome):
    incident = declare([account])
    case = incident.cases.get()
    assert [s.key for s in case.steps.all()][:3] == ["first_contact", "discovery", "apology"]
    first = case.steps.get(key="first_contact")
    # Top severity: first contact within two hours of the case opening.
    assert first.due_at - case.opened_at == timedelta(hours=2)
    account.refresh_from_db()
    assert account.lifecycle == "in_recovery"
    moved = Event.objects.filter(account=account, action="account.updated").get()
    assert (moved.before, moved.after) == ({"lifecycle": "active"}, {"lifecycle": "in_recovery"})
    walk_to_the_end(case, agent)
    closed = case_close(actor=agent, case=case, outcome=outcome, note="Held the drama.")
    assert closed.outcome == outcome and closed.is_closed
    account.refresh_from_db()
    assert account.lifecycle == ("active" if outcome in ("recovered", "advocate") else "churned")
    actions = list(Event.objects.filter(account=account).values_list("action", flat=True))
    assert "case.opened" in actions and "case.closed" in actions
    assert actions.count("case.step_done") == case.steps.count()


@pytest.mark.django_db
def test_it_will_not_close_with_steps_left_and_needs_records_to_complete(declare, account, agent):
    case = declare([account]).cases.get()
    apology = case.steps.get(key="apology")
    with pytest.raises(ValidationError, match="an apology by a person"):
        step_complete(actor=agent, step=apology)
    with pytest.raises(ValidationError, match="Finish or skip every step"):
        case_close(actor=agent, case=case, outcome="recovered")
    with pytest.raises(ValidationError, match="Say why"):
        step_skip(actor=agent, step=apology, reason="  ")
    step_skip(actor=agent, step=apology, reason="Apologised in the incident call")
    assert step_state(case.steps.get(key="apology"), now=timezone.now()) == "skipped"


@pytest.mark.django_db
def test_it_says_which_requirements_a_step_still_misses(declare, account, agent):
    case = declare([account]).cases.get()
    needs = ["apology", "commitment", "commitments_resolved", "release"]
    step = CaseStep(case=case, requires=needs)
    assert step_missing(case, step) == needs
    record_add(actor=agent, case=case, kind="apology", data=RECORDS["apology"])
    promise = commitment_add(
        actor=agent,
        case=case,
        what="Reprint the forms",
        measure="Forms delivered",
        owner=agent.user,
        due_at=timezone.now() + timedelta(hours=24),
    )
    assert step_missing(case, step) == ["commitments_resolved", "release"]
    commitment_keep(actor=agent, commitment=promise)
    record_add(actor=agent, case=case, kind="follow_up", data={"note": "Not yet"})
    assert step_missing(case, step) == ["release"]
    record_add(actor=agent, case=case, kind="follow_up", data={"note": "Fine", "released": True})
    assert step_missing(case, step) == []
    # Records and promises already loaded give the same answer.
    loaded = {"records": list(case.records.all()), "commitments": list(case.commitments.all())}
    assert step_missing(case, step, **loaded) == []


@pytest.mark.django_db
def test_it_refuses_an_apology_without_a_person_or_words(declare, account):
    case = declare([account]).cases.get()
    system = Actor.system()
    with pytest.raises(ValidationError, match="made by a person"):
        record_add(actor=system, case=case, kind="apology", data=RECORDS["apology"])
    with pytest.raises(ValidationError) as caught:
        record_add(actor=system, case=case, kind="apology", data={"channel": "fax"}, by=case.owner)
    assert set(caught.value.message_dict) == {"channel", "words"}


@pytest.mark.django_db
def test_it_never_counts_paused_time(declare, account, agent):
    case = declare([account]).cases.get()
    step = case.steps.get(key="first_contact")
    due = step.due_at
    start = timezone.now()
    case_pause(actor=agent, case=case, reason="Waiting for the customer's list of sites", now=start)
    # While paused nothing turns late, even far past the deadline.
    step = case.steps.select_related("case").get(key="first_contact")
    assert step_state(step, now=due + timedelta(days=3)) != "late"
    assert deadlines_check(now=due + timedelta(days=3)) == 0
    case_resume(actor=agent, case=case, now=start + timedelta(hours=30))
    step.refresh_from_db()
    assert step.due_at == due + timedelta(hours=30)
    assert step_state(step, now=due + timedelta(hours=29)) == "due"
    assert step_state(step, now=due + timedelta(hours=31)) == "late"


@pytest.mark.django_db
def test_it_stops_a_promise_clock_while_the_case_is_paused(declare, account, agent):
    case = declare([account]).cases.get()
    start = timezone.now()
    promise = commitment_add(
        actor=agent,
        case=case,
        what="Reprint the forms",
        measure="Forms delivered",
        owner=agent.user,
        due_at=start + timedelta(hours=2),
    )

    def late(now):
        promise = Commitment.objects.select_related("case").get()
        counted = Commitment.objects.filter(commitment_late_q(now=now)).exists()
        assert counted == commitment_is_late(promise, now=now)
        return counted

    assert not late(start + timedelta(hours=1))
    assert late(start + timedelta(hours=3))
    case_pause(actor=agent, case=case, reason="Waiting for the customer", now=start)
    assert not late(start + timedelta(hours=3))
    case_resume(actor=agent, case=case, now=start + timedelta(hours=1))
    case_pause(actor=agent, case=case, reason="Waiting again", now=start + timedelta(hours=4))
    # Resuming moves no promise's date: paused after it fell due, it stays late.
    assert late(start + timedelta(days=2))
    commitment_keep(actor=agent, commitment=promise, now=start + timedelta(days=2))
    assert not late(start + timedelta(days=2))


@pytest.mark.django_db
def test_it_escalates_a_late_step_to_owner_then_manager_then_admin(declare, account, agent, people):
    case = declare([account]).cases.get()
    step = case.steps.get(key="first_contact")
    assert deadlines_check(now=step.due_at - timedelta(minutes=1)) == 0
    deadlines_check(now=step.due_at + timedelta(minutes=5))
    assert set(Escalation.objects.filter(step=step).values_list("level", "recipient")) == {
        ("owner", people.agent.pk)
    }
    deadlines_check(now=step.due_at + timedelta(hours=25))
    assert ("manager", people.manager.pk) in set(
        Escalation.objects.filter(step=step).values_list("level", "recipient")
    )
    deadlines_check(now=step.due_at + timedelta(hours=73))
    assert ("admin", people.admin.pk) in set(
        Escalation.objects.filter(step=step).values_list("level", "recipient")
    )
    # Running the check again, as a second worker would, raises nothing new.
    count = Escalation.objects.count()
    assert deadlines_check(now=step.due_at + timedelta(hours=73)) == 0
    assert Escalation.objects.count() == count


@pytest.mark.django_db
def test_it_tracks_broken_and_renegotiated_promises(declare, account, agent, people):
    case = declare([account]).cases.get()
    due = timezone.now() + timedelta(hours=24)
    first = commitment_add(
        actor=agent, case=case, what="Reprint", measure="Delivered", owner=people.agent, due_at=due
    )
    second = commitment_add(
        actor=agent, case=case, what="Credit note", measure="Issued", owner=people.agent, due_at=due
    )
    with pytest.raises(ValidationError, match="Say why"):
        commitment_break(actor=agent, commitment=first, reason="")
    commitment_break(actor=agent, commitment=first, reason="The press broke down")
    newer = commitment_renegotiate(
        actor=agent,
        commitment=second,
        reason="Finance needs a week",
        due_at=due + timedelta(days=7),
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("broken", "renegotiated")
    assert newer.replaces == second and newer.status == "open"
    # An open promise past its date escalates to its owner.
    deadlines_check(now=newer.due_at + timedelta(minutes=1))
    assert Escalation.objects.filter(commitment=newer, level="owner").exists()
    late = commitment_keep(actor=agent, commitment=newer, now=newer.due_at + timedelta(hours=2))
    assert late.status == CommitmentStatus.KEPT_LATE


@pytest.mark.django_db
def test_it_marks_a_new_failure_after_a_recovery_as_last_chance(declare, account, agent, people):
    first = declare([account]).cases.get()
    assert not first.last_chance
    walk_to_the_end(first, agent)
    case_close(actor=agent, case=first, outcome="recovered")
    second = declare([account], title="Second misprint").cases.get()
    assert second.last_chance
    escalation = Escalation.objects.get(case=second)
    assert (escalation.level, escalation.recipient) == ("manager", people.manager)


@pytest.mark.django_db
def test_it_refuses_every_change_to_a_closed_case(declare, account, agent, people):
    case = declare([account]).cases.get()
    walk_to_the_end(case, agent)
    case_close(actor=agent, case=case, outcome="lost")
    attempts = [
        lambda: case_pause(actor=agent, case=case, reason="x"),
        lambda: record_add(actor=agent, case=case, kind="explanation", data={"text": "x"}),
        lambda: commitment_add(
            actor=agent, case=case, what="x", measure="y", owner=people.agent, due_at=timezone.now()
        ),
        lambda: case_close(actor=agent, case=case, outcome="recovered"),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="closed"):
            attempt()


@pytest.mark.django_db
def test_it_lets_viewer_and_outsider_change_nothing(declare, account, people):
    case = declare([account]).cases.get()
    for person in (people.viewer, people.outsider):
        with pytest.raises(PermissionDenied):
            case_pause(actor=Actor(user=person, via="web"), case=case, reason="x")
        with pytest.raises(PermissionDenied):
            step_skip(actor=Actor(user=person, via="web"), step=case.steps.first(), reason="x")


@pytest.mark.django_db
def test_it_opens_500_cases_in_one_transaction_and_none_for_a_bad_request(
    declare, people, agent, django_assert_max_num_queries
):
    accounts = [
        account_create(actor=Actor.system(), team=people.north, name=f"Customer {n:03d}")
        for n in range(500)
    ]
    with django_assert_max_num_queries(40):
        incident = declare(accounts)
    assert incident.cases.count() == 500
    assert RecoveryCase.objects.filter(incident=incident, steps__key="first_contact").count() == 500
    south = account_create(actor=Actor.system(), team=people.south, name="Not yours")
    before = (RecoveryCase.objects.count(), Event.objects.count())
    with pytest.raises(ValidationError, match="No account you may change"):
        declare([*accounts[:10], south], title="A mixed request")
    assert (RecoveryCase.objects.count(), Event.objects.count()) == before
    assert Account.objects.filter(lifecycle="in_recovery").count() == 500


@pytest.mark.django_db
def test_it_says_when_this_has_happened_before(declare, account):
    first = declare([account], title="Wrong year printed on tax forms", tags=["printing"])
    unrelated = declare([account], title="Late delivery", cause="process", tags=["shipping"])
    again = declare([account], title="Tax forms printed with the wrong year again", tags=[])
    assert incident_similar(incident=again) == [first]
    assert unrelated not in incident_similar(incident=again)


@pytest.mark.django_db
def test_a_step_completes_itself_when_its_record_comes_in(declare, account, agent):
    """Record once (issue 15): the record is the step's completion, at the record's time."""
    case = declare([account]).cases.get()
    called = timezone.now()
    record_add(actor=agent, case=case, kind="contact", data=RECORDS["contact"], at=called)
    first = case.steps.get(key="first_contact")
    assert first.done_at == called and first.done_by == agent.user
    # Something recorded as done before the case was opened completes its step at the
    # opening: a step is never done before it existed.
    before = case.opened_at - timedelta(days=3)
    record_add(actor=agent, case=case, kind="apology", data=RECORDS["apology"], at=before)
    assert case.steps.get(key="apology").done_at == case.opened_at
    # A record no open step asks for completes nothing.
    record_add(actor=agent, case=case, kind="small_chance", data={"request": "One more order"})
    assert case.steps.filter(done_at__isnull=False).count() == 2
    # A follow-up without the release leaves "stay attentive" open; promises settle theirs.
    record_add(actor=agent, case=case, kind="follow_up", data={"note": "Still watching"})
    assert case.steps.get(key="attentive").done_at is None
    promise = commitment_add(
        actor=agent,
        case=case,
        what="Reprint",
        measure="Counted",
        owner=agent.user,
        due_at=timezone.now() + timedelta(hours=5),
    )
    assert case.steps.get(key="fix_plan").done_at is not None
    assert case.steps.get(key="act").done_at is None
    commitment_keep(actor=agent, commitment=promise)
    assert case.steps.get(key="act").done_at is not None
    done = Event.objects.filter(account=account, action="case.step_done")
    assert sorted(e.after["step"] for e in done) == ["act", "apology", "first_contact", "fix_plan"]
    assert all(e.after["by_record"] for e in done)


@pytest.mark.django_db
def test_stay_attentive_sets_the_next_follow_up_a_week_after_each_one(declare, account, agent):
    case = declare([account]).cases.get()
    case.opened_at = timezone.now() - timedelta(days=20)  # a case some weeks old
    case.save(update_fields=["opened_at"])
    attentive = case.steps.get(key="attentive")
    assert attentive.step.follow_up_days == 7
    first = timezone.now() - timedelta(days=2)
    record_add(actor=agent, case=case, kind="follow_up", data={"note": "Fine so far"}, at=first)
    attentive.refresh_from_db()
    assert attentive.due_at == first + timedelta(days=7) and attentive.done_at is None
    second = timezone.now()
    record_add(actor=agent, case=case, kind="follow_up", data={"note": "Still fine"}, at=second)
    attentive.refresh_from_db()
    assert attentive.due_at == second + timedelta(days=7)
    record_add(actor=agent, case=case, kind="follow_up", data={"note": "No need", "released": True})
    attentive.refresh_from_db()
    assert attentive.done_at is not None
    assert attentive.due_at == second + timedelta(days=7)
