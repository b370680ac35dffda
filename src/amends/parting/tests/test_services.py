from datetime import timedelta
from itertools import pairwise

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from amends.accounts.models import Account, Lifecycle
from amends.accounts.selectors import protected_staff_for
from amends.comms.models import Message
from amends.complaints.models import AbuseReport
from amends.customerpage.models import CaseShare, CaseUpdate
from amends.parting.abuse import account_let_go_for_abuse
from amends.parting.closing import exit_feedback_record, exit_final_conversation, exit_plan_close
from amends.parting.conversation import conversation_record
from amends.parting.models import Decision, ExitItemKind, ExitKind
from amends.parting.selectors import exit_updates_due, parting_state
from amends.parting.services import (
    ExitItemInput,
    conversation_decide_continue,
    conversation_decide_part,
    exit_item_add,
    exit_item_done,
    exit_update_draft,
    exit_update_send,
)
from amends.recovery.models import CommitmentStatus, Outcome, RecordKind
from amends.recovery.services import commitment_renegotiate
from amends.timeline.services import Actor

from .conftest import exit_items


def _step(case, key):
    return case.steps.get(key=key)


def test_it_records_the_crucial_conversation_and_completes_its_step(
    parting_case, agent_actor, conversation_fields
):
    conversation = conversation_record(actor=agent_actor, case=parting_case, **conversation_fields)
    assert conversation.our_part.startswith("We said yes")
    assert {p.username for p in conversation.our_people.all()} == {"alex", "mia"}
    record = parting_case.records.get(kind=RecordKind.CONVERSATION)
    assert record.data["answers"][1] == {
        "question": "Our part",
        "answer": "We said yes to deadlines we knew were tight",
    }
    assert _step(parting_case, "conversation").done_at is not None
    with pytest.raises(ValidationError, match="already on record"):
        conversation_record(actor=agent_actor, case=parting_case, **conversation_fields)


def test_it_names_every_missing_part_of_the_conversation(parting_case, agent_actor, people):
    with pytest.raises(ValidationError) as caught:
        conversation_record(
            actor=agent_actor,
            case=parting_case,
            not_working="",
            our_part=" ",
            their_part="They order late",
            options="",
            our_people=[people.outsider],
            their_people="",
        )
    assert set(caught.value.message_dict) == {
        "not_working",
        "our_part",
        "options",
        "our_people",
        "their_people",
    }
    assert not parting_case.records.exists()


def test_it_refuses_a_viewer_and_a_case_of_another_playbook(
    parting_case, people, conversation_fields, account, declare
):
    with pytest.raises(PermissionDenied):
        conversation_record(
            actor=Actor(user=people.viewer, via="web"), case=parting_case, **conversation_fields
        )
    mistake_case = declare([Account.objects.create(team=people.north, name="Other")]).cases.get()
    with pytest.raises(ValidationError, match="not a parting case"):
        conversation_record(
            actor=Actor(user=people.agent, via="web"), case=mistake_case, **conversation_fields
        )


def test_it_continues_with_an_attentive_period_of_follow_ups(
    parting_case, agent_actor, conversation_fields, people
):
    with pytest.raises(ValidationError, match="Hold and record"):
        conversation_decide_continue(
            actor=agent_actor, case=parting_case, agreed="x", owner=people.agent
        )
    conversation_record(actor=agent_actor, case=parting_case, **conversation_fields)
    follow_ups = conversation_decide_continue(
        actor=agent_actor,
        case=parting_case,
        agreed="Orders by Thursday noon; rush work at cost through our partner",
        owner=people.agent,
        attentive_days=60,
        follow_up_every_days=14,
    )
    assert len(follow_ups) == 4  # days 14, 28, 42, 56
    assert follow_ups[0].what == "Check in on what we agreed (1 of 4)"
    gaps = [(b.due_at - a.due_at).days for a, b in pairwise(follow_ups)]
    assert gaps == [14, 14, 14]
    conversation = parting_case.crucial_conversation
    conversation.refresh_from_db()
    assert conversation.decision == Decision.CONTINUE
    assert conversation.attentive_until == timezone.localdate() + timedelta(days=60)
    done = set(parting_case.steps.filter(done_at__isnull=False).values_list("key", flat=True))
    assert done == {"conversation", "decision", "next_steps"}
    assert parting_case.records.get(kind=RecordKind.DECISION).data["decision"] == "continue"
    with pytest.raises(ValidationError, match="already on record"):
        conversation_decide_part(
            actor=agent_actor,
            case=parting_case,
            end_on=timezone.localdate() + timedelta(days=30),
            owner=people.agent,
            items=exit_items(people),
        )


def test_it_opens_the_exit_plan_at_once_when_parting(
    parting_case, agent_actor, conversation_fields, people, account
):
    conversation_record(actor=agent_actor, case=parting_case, **conversation_fields)
    end_on = timezone.localdate() + timedelta(days=30)
    plan = conversation_decide_part(
        actor=agent_actor,
        case=parting_case,
        end_on=end_on,
        owner=people.agent,
        items=exit_items(people),
        update_every_days=7,
        note="Both agree a print shop is not what they need",
    )
    assert plan.kind == ExitKind.MUTUAL
    kinds = sorted(plan.items.values_list("kind", flat=True))
    assert kinds == ["data_handover", "deliverable", "end", "final_invoice"]
    end = plan.items.get(kind=ExitItemKind.END).commitment
    assert end.what == f"Service ends on {end_on.isoformat()}"
    assert end.owner == people.agent
    assert timezone.localtime(end.due_at).date() == end_on
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.PARTING
    assert CaseShare.objects.filter(case=parting_case, revoked_at__isnull=True).exists()
    assert plan.next_update_due is not None
    assert (plan.next_update_due - plan.opened_at) == timedelta(days=7)


def test_it_refuses_a_plan_without_its_parameters_and_writes_nothing(
    parting_case, agent_actor, conversation_fields, people, account
):
    conversation_record(actor=agent_actor, case=parting_case, **conversation_fields)
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        conversation_decide_part(
            actor=agent_actor,
            case=parting_case,
            end_on=yesterday,
            owner=people.agent,
            items=[ExitItemInput("deliverable", "", people.viewer, None)],
        )
    errors = caught.value.message_dict
    assert set(errors) == {"end_on", "items", "items.1.what", "items.1.owner", "items.1.due_on"}
    assert "data hand-over" in errors["items"][0]
    assert not parting_case.commitments.exists()
    assert not parting_case.records.filter(kind=RecordKind.DECISION).exists()
    account.refresh_from_db()
    assert account.lifecycle != Lifecycle.PARTING


@pytest.fixture
def plan(parting_case, agent_actor, conversation_fields, people):
    conversation_record(actor=agent_actor, case=parting_case, **conversation_fields)
    return conversation_decide_part(
        actor=agent_actor,
        case=parting_case,
        end_on=timezone.localdate() + timedelta(days=30),
        owner=people.agent,
        items=exit_items(people),
    )


def test_it_sends_a_progress_update_to_the_customer_once(plan, agent_actor, settings):
    draft = exit_update_draft(plan=plan)
    assert "Still to come:" in draft
    assert "Data hand-over: Artwork files and price lists" in draft
    sent = exit_update_send(actor=agent_actor, plan=plan, text=draft)
    assert sent.delivered == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Joanna Nowak <joanna@harbor.example>"]
    assert "/c/" in mail.outbox[0].body
    # A second click with the same words is the same update: nothing more is sent.
    again = exit_update_send(actor=agent_actor, plan=plan, text=draft)
    assert again.update.pk == sent.update.pk
    assert len(mail.outbox) == 1
    assert CaseUpdate.objects.filter(case=plan.case).count() == 1
    assert Message.objects.filter(case=plan.case, kind="update").count() == 1
    plan.refresh_from_db()
    assert plan.next_update_due > timezone.now() + timedelta(days=6)


def test_it_lists_the_updates_that_are_due(plan, people):
    now = timezone.now()
    assert exit_updates_due(user=people.agent, now=now) == []
    later = now + timedelta(days=8)
    assert exit_updates_due(user=people.agent, now=later) == [plan]
    assert exit_updates_due(user=people.outsider, now=later) == []
    state = parting_state(case=plan.case, now=later)
    assert state.update_late


def test_it_follows_a_renegotiated_item_to_its_new_date(plan, agent_actor, people):
    handover = plan.items.get(kind=ExitItemKind.DATA_HANDOVER)
    new_due = handover.commitment.due_at + timedelta(days=5)
    commitment_renegotiate(
        actor=agent_actor,
        commitment=handover.commitment,
        reason="Their new supplier asked for a different file format",
        due_at=new_due,
    )
    rows = {row.item.kind: row for row in parting_state(case=plan.case, now=timezone.now()).items}
    assert rows["data_handover"].commitment.due_at == new_due
    kept = exit_item_done(actor=agent_actor, item=handover)
    assert kept.status == CommitmentStatus.KEPT
    assert kept.replaces_id == handover.commitment_id


def test_it_closes_only_with_everything_done_then_marks_the_account_churned(
    plan, agent_actor, people, account
):
    extra = exit_item_add(
        actor=agent_actor,
        plan=plan,
        item=ExitItemInput(
            "next_step", "Introduce them to a warehouse partner", people.agent, timezone.localdate()
        ),
    )
    with pytest.raises(ValidationError) as caught:
        exit_plan_close(actor=agent_actor, plan=plan)
    message = caught.value.message_dict["close"][0]
    assert "every part of the plan" in message
    assert "final conversation" in message
    assert "exit feedback" in message
    for item in [*plan.items.all()]:
        exit_item_done(actor=agent_actor, item=item)
    assert extra.commitment.exit_item == extra
    exit_final_conversation(
        actor=agent_actor, plan=plan, note="Thanked them; they may come back for catalogues"
    )
    with pytest.raises(ValidationError, match="rating"):
        exit_feedback_record(actor=agent_actor, plan=plan, rating=7, would_recommend=True)
    exit_feedback_record(
        actor=agent_actor, plan=plan, rating=5, would_recommend=True, comment="Fair and quick"
    )
    case = exit_plan_close(actor=agent_actor, plan=plan, note="Parted as friends")
    assert case.outcome == Outcome.PARTED
    assert not case.steps.filter(done_at__isnull=True).exists()
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.CHURNED
    plan.refresh_from_db()
    assert plan.is_closed
    with pytest.raises(ValidationError):
        exit_update_send(actor=agent_actor, plan=plan, text="One more")


def test_it_lets_a_customer_go_for_abuse_and_protects_the_staff(people, account):
    manager = Actor(user=people.manager, via="web")
    AbuseReport.objects.create(
        account=account,
        staff=people.agent,
        description="Shouted at and insulted on the phone",
        at=timezone.now(),
        reported_by=people.manager,
    )
    args = {
        "account": account,
        "reason": "Repeated insults to our staff after two warnings",
        "protected_staff": [people.agent],
        "end_on": timezone.localdate() + timedelta(days=14),
        "items": exit_items(people)[1:],
    }
    with pytest.raises(PermissionDenied):
        account_let_go_for_abuse(
            actor=Actor(user=people.agent, via="web"), owner=people.manager, **args
        )
    with pytest.raises(ValidationError) as caught:
        account_let_go_for_abuse(actor=manager, owner=people.agent, **args)
    assert "owner" in caught.value.message_dict
    items = [
        ExitItemInput(i.kind, i.what, people.manager, i.due_on) for i in exit_items(people)[1:]
    ]
    plan = account_let_go_for_abuse(actor=manager, owner=people.manager, **{**args, "items": items})
    assert plan.kind == ExitKind.ABUSE
    assert plan.abuse_reason.startswith("Repeated insults")
    assert protected_staff_for(account_id=account.pk) == [people.agent]
    assert parting_state(case=plan.case, now=timezone.now()).protected == [people.agent]
    case = plan.case
    case.refresh_from_db()
    account.refresh_from_db()
    assert case.owner == people.manager
    assert account.owner == people.manager  # was the agent who was abused
    assert account.lifecycle == Lifecycle.PARTING
    assert not case.commitments.filter(owner=people.agent).exists()
    # Every hand-over went through the owning service, so it is on the timeline.
    from amends.timeline.models import Event

    actions = set(Event.objects.filter(account_id=account.pk).values_list("action", flat=True))
    assert {"account.updated", "account.staff_protected"} <= actions
    owner_changes = Event.objects.filter(
        action="account.updated", account_id=account.pk, after__has_key="owner"
    )
    assert [e.actor_id for e in owner_changes] == [people.manager.pk]
    skipped = dict(case.steps.exclude(skipped_reason="").values_list("key", "skipped_reason"))
    assert set(skipped) == {"conversation", "decision"}
    assert plan.next_update_due is None
    assert not CaseShare.objects.filter(case=case).exists()
    # No feedback is asked of an abusive customer; the plan closes with its parts done.
    with pytest.raises(ValidationError):
        exit_feedback_record(actor=manager, plan=plan, rating=3, would_recommend=None)
    for item in plan.items.all():
        exit_item_done(actor=manager, item=item)
    assert exit_plan_close(actor=manager, plan=plan).outcome == Outcome.PARTED


def test_it_puts_a_due_update_in_the_owners_daily_digest(
    parting_case, agent_actor, conversation_fields, people, mailoutbox
):
    from amends.reminders.services import digests_send

    people.agent.email = "alex@amends.example"
    people.agent.save(update_fields=["email"])
    conversation_record(actor=agent_actor, case=parting_case, **conversation_fields)
    conversation_decide_part(
        actor=agent_actor,
        case=parting_case,
        end_on=timezone.localdate() + timedelta(days=30),
        owner=people.agent,
        items=exit_items(people, days=20),
        update_every_days=7,
        now=timezone.now() - timedelta(days=8),
    )
    assert digests_send(now=timezone.now()) == 1
    digest = next(m for m in mailoutbox if "alex@amends.example" in m.to[0])
    assert "1 update due" in digest.subject
    assert "Progress updates due to customers you are parting with" in digest.body
    assert f"/cases/{parting_case.pk}/parting/" in digest.body


def test_it_never_again_puts_protected_staff_in_front_of_that_customer(people, account):
    from amends.accounts.services import account_update
    from amends.recovery.models import Playbook
    from amends.recovery.opening import case_open
    from amends.recovery.services import commitment_add

    manager = Actor(user=people.manager, via="web")
    items = [
        ExitItemInput(i.kind, i.what, people.manager, i.due_on) for i in exit_items(people)[1:]
    ]
    plan = account_let_go_for_abuse(
        actor=manager,
        account=account,
        reason="Threats to our staff",
        protected_staff=[people.agent],
        end_on=timezone.localdate() + timedelta(days=14),
        owner=people.manager,
        items=items,
    )
    account.refresh_from_db()
    with pytest.raises(ValidationError, match="protected from this customer"):
        account_update(actor=manager, account=account, owner=people.agent)
    with pytest.raises(ValidationError, match="protected from this customer"):
        commitment_add(
            actor=manager,
            case=plan.case,
            what="Call them",
            measure="A call",
            owner=people.agent,
            due_at=timezone.now() + timedelta(days=1),
        )
    with pytest.raises(ValidationError, match="protected from this customer"):
        case_open(
            actor=manager,
            account=account,
            playbook=Playbook.objects.get(kind="complaint"),
            severity=3,
            owner=people.agent,
        )
    # Someone else is fine.
    account_update(actor=manager, account=account, owner=people.admin)
