from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amends.accounts.models import Lifecycle
from amends.complaints.models import AbuseReport
from amends.parting.conversation import conversation_record
from amends.parting.models import ExitKind, ExitPlan
from amends.parting.services import conversation_decide_part
from conftest import login

from .conftest import exit_items


def _day(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_it_shows_the_parting_page_to_the_team_and_hides_it_from_outsiders(
    client, people, parting_case
):
    url = reverse("parting:case", args=[parting_case.pk])
    login(client, people.agent)
    page = client.get(url)
    assert page.status_code == 200
    assert b"Record the conversation</button>" in page.content
    login(client, people.viewer)
    page = client.get(url)
    assert page.status_code == 200
    assert b"Record the conversation</button>" not in page.content
    assert b"Not held yet" in page.content
    login(client, people.outsider)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_it_answers_404_for_a_case_of_another_playbook(client, people, account, declare):
    case = declare([account]).cases.get()
    login(client, people.agent)
    assert client.get(reverse("parting:case", args=[case.pk])).status_code == 404


def test_it_refuses_every_action_to_a_viewer_and_an_outsider(client, people, parting_case):
    for name in ("conversation", "decide", "item_add", "update", "final", "feedback", "close"):
        url = reverse(f"parting:{name}", args=[parting_case.pk])
        login(client, people.viewer)
        assert client.post(url, {}).status_code == 403, name
        login(client, people.outsider)
        assert client.post(url, {}).status_code == 404, name


def test_it_shows_what_is_missing_in_the_conversation_form(client, people, parting_case):
    login(client, people.agent)
    page = client.post(
        reverse("parting:conversation", args=[parting_case.pk]),
        {"conversation-held_at": "2026-01-01T10:00", "conversation-not_working": "Late orders"},
    )
    assert page.status_code == 400
    assert page.content.count(b'class="error"') >= 4
    assert not parting_case.records.exists()


def test_it_walks_a_mutual_parting_through_the_screens(
    client, people, parting_case, account, mailoutbox
):
    login(client, people.agent)
    base = [parting_case.pk]
    response = client.post(
        reverse("parting:conversation", args=base),
        {
            "conversation-held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "conversation-not_working": "Rush orders every week",
            "conversation-our_part": "We accepted deadlines we could not meet",
            "conversation-their_part": "Orders arrive late on Fridays",
            "conversation-options": "A cut-off; a rush partner; parting",
            "conversation-our_people": [people.agent.pk],
            "conversation-their_people": "Joanna Nowak",
        },
    )
    assert response.status_code == 302
    # A part decision without a data hand-over: the form says so, nothing is written.
    decision = {
        "decision-decision": "part",
        "decision-owner": people.agent.pk,
        "decision-end_on": _day(30),
        "decision-update_every_days": "7",
        "decision-final_invoice_what": "Final invoice",
        "decision-final_invoice_due_on": _day(31),
    }
    page = client.post(reverse("parting:decide", args=base), decision)
    assert page.status_code == 400
    assert b"data hand-over" in page.content
    assert not ExitPlan.objects.exists()
    decision |= {
        "decision-data_handover_what": "Artwork archive",
        "decision-data_handover_due_on": _day(20),
        "decision-data_handover_owner": people.manager.pk,
    }
    assert client.post(reverse("parting:decide", args=base), decision).status_code == 302
    plan = ExitPlan.objects.get(case=parting_case)
    assert plan.kind == ExitKind.MUTUAL
    handover = plan.items.get(kind="data_handover")
    assert handover.commitment.owner == people.manager
    page = client.get(reverse("parting:case", args=base))
    assert b"Artwork archive" in page.content
    assert b"Still to come:" in page.content  # the drafted update
    response = client.post(reverse("parting:update", args=base), {"text": "Week one: on track."})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    for item in plan.items.all():
        client.post(reverse("parting:item_done", args=[parting_case.pk, item.pk]))
    client.post(reverse("parting:final", args=base), {"note": "We shook hands"})
    client.post(
        reverse("parting:feedback", args=base),
        {"rating": "4", "would_recommend": "true", "comment": "Honest to the end"},
    )
    assert client.post(reverse("parting:close", args=base), {"note": ""}).status_code == 302
    account.refresh_from_db()
    assert account.lifecycle == Lifecycle.CHURNED
    plan.refresh_from_db()
    assert plan.feedback_would_recommend is True and plan.is_closed


def test_it_lists_updates_due_on_my_work(client, people, parting_case, conversation_fields):
    from amends.timeline.services import Actor

    actor = Actor(user=people.agent, via="web")
    conversation_record(actor=actor, case=parting_case, **conversation_fields)
    conversation_decide_part(
        actor=actor,
        case=parting_case,
        end_on=timezone.localdate() + timedelta(days=30),
        owner=people.agent,
        items=exit_items(people),
        update_every_days=7,
        now=timezone.now() - timedelta(days=8),
    )
    login(client, people.agent)
    page = client.get(reverse("recovery:work"))
    assert b"Progress updates due" in page.content
    assert b"Harbor Printing Ltd" in page.content


@pytest.mark.parametrize("who", ["agent", "viewer", "outsider"])
def test_it_lets_only_a_manager_let_a_customer_go(client, people, account, who):
    login(client, getattr(people, who))
    expected = {"agent": 403, "viewer": 403, "outsider": 404}[who]
    assert client.get(reverse("parting:let_go", args=[account.pk])).status_code == expected


def test_it_lets_a_customer_go_for_abuse_from_its_page(client, people, account):
    AbuseReport.objects.create(
        account=account,
        staff=people.agent,
        description="Insults on the phone",
        at=timezone.now(),
        reported_by=people.manager,
    )
    login(client, people.manager)
    url = reverse("parting:let_go", args=[account.pk])
    page = client.get(url)
    assert b"Insults on the phone" in page.content
    form = {
        "reason": "Abuse of our staff after a warning",
        "protected_staff": [people.agent.pk],
        "owner": people.agent.pk,
        "end_on": _day(14),
        "data_handover": "Their files",
        "data_handover_on": _day(7),
        "final_invoice": "Final invoice",
        "final_invoice_on": _day(14),
    }
    page = client.post(url, form)
    assert page.status_code == 400
    assert b"cannot own this exit" in page.content
    response = client.post(url, {**form, "owner": people.manager.pk})
    assert response.status_code == 302
    plan = ExitPlan.objects.get(case__account=account)
    assert plan.kind == ExitKind.ABUSE
    account.refresh_from_db()
    assert account.owner == people.manager
    page = client.get(response["Location"].split("#")[0])
    assert b"Abuse of our staff" in page.content
    assert b"Progress updates to the client" not in page.content


def test_it_takes_exit_feedback_from_the_customer_page_once(
    client, people, parting_case, conversation_fields
):
    from amends.customerpage.models import CaseShare
    from amends.timeline.services import Actor

    actor = Actor(user=people.agent, via="web")
    conversation_record(actor=actor, case=parting_case, **conversation_fields)
    plan = conversation_decide_part(
        actor=actor,
        case=parting_case,
        end_on=timezone.localdate() + timedelta(days=30),
        owner=people.agent,
        items=exit_items(people),
    )
    key = CaseShare.objects.get(case=parting_case).key
    page = client.get(f"/c/{key}/")
    assert b"How did we handle our parting?" in page.content
    url = reverse("parting:customer_feedback", args=[key])
    client.post(url, {"rating": "2", "comment": "Slow to send our files"})
    plan.refresh_from_db()
    assert (plan.feedback_rating, plan.feedback_from_customer) == (2, True)
    client.post(url, {"rating": "5"})  # a second answer changes nothing
    plan.refresh_from_db()
    assert plan.feedback_rating == 2
    assert b"Thank you for telling us" in client.get(f"/c/{key}/").content
    assert client.post(reverse("parting:customer_feedback", args=["nope"])).status_code == 404


def test_it_offers_letting_go_on_the_account_page_to_managers_only(client, people, account):
    AbuseReport.objects.create(
        account=account,
        staff=people.agent,
        description="Insults",
        at=timezone.now(),
        reported_by=people.manager,
    )
    url = reverse("accounts:detail", args=[account.pk])
    let_go = reverse("parting:let_go", args=[account.pk]).encode()
    login(client, people.manager)
    assert let_go in client.get(url).content
    login(client, people.agent)
    assert let_go not in client.get(url).content
