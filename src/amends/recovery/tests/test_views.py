import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amends.recovery.escalation import deadlines_check
from amends.recovery.forms import RECORD_FORMS
from amends.recovery.models import (
    CaseRecord,
    Commitment,
    CommitmentStatus,
    Playbook,
    Question,
    RecoveryCase,
)
from amends.timeline.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(declare, account):
    return declare([account]).cases.get()


def _post(client, name, case, *args, data=None):
    return client.post(reverse(f"recovery:{name}", args=[case.pk, *args]), data or {})


def test_it_shows_the_case_with_its_steps_and_guidance(client, people, case):
    client.force_login(people.viewer)
    page = client.get(reverse("recovery:case", args=[case.pk]))
    assert page.status_code == 200
    text = page.text
    assert "Tell them first" in text and "Find out how far behind you are" in text
    assert "before they find the error themselves" in text  # the step's guidance
    # A viewer reads the case but gets no buttons to change it.
    assert "Mark “Tell them first” done" not in text
    assert "Pause the clock" not in text


def test_it_hides_a_case_from_an_outsider(client, people, case):
    client.force_login(people.outsider)
    assert client.get(reverse("recovery:case", args=[case.pk])).status_code == 404
    step = case.steps.first()
    assert _post(client, "step-complete", case, step.pk).status_code == 404
    assert _post(client, "pause", case, data={"reason": "x"}).status_code == 404
    assert _post(client, "record-add", case, "explanation", data={}).status_code == 404
    assert client.get(reverse("recovery:open", args=[case.account_id])).status_code == 404


def test_it_refuses_a_viewer_every_change(client, people, case):
    client.force_login(people.viewer)
    step = case.steps.first()
    assert _post(client, "step-complete", case, step.pk).status_code == 403
    assert _post(client, "step-skip", case, step.pk, data={"reason": "no"}).status_code == 403
    assert _post(client, "pause", case, data={"reason": "x"}).status_code == 403
    assert _post(client, "resume", case).status_code == 403
    assert _post(client, "close", case, data={"outcome": "lost"}).status_code == 403
    assert _post(client, "commitment-add", case, data={}).status_code == 403
    assert client.get(reverse("recovery:open", args=[case.account_id])).status_code == 403
    step.refresh_from_db()
    assert step.done_at is None


def test_it_will_not_complete_a_step_before_its_record(client, people, case):
    client.force_login(people.agent)
    step = case.steps.get(key="first_contact")
    page = _post(client, "step-complete", case, step.pk)
    assert page.status_code == 302
    assert page["Location"].endswith("#step-first_contact")
    follow = client.get(page["Location"])
    assert "Record a first contact before completing this step." in follow.text
    step.refresh_from_db()
    assert step.done_at is None


def test_it_records_the_first_contact_then_completes_the_step(client, people, case):
    client.force_login(people.agent)
    response = _post(
        client,
        "record-add",
        case,
        "contact",
        data={"contact-channel": "call", "contact-with_whom": "Joanna Nowak", "contact-note": ""},
    )
    assert response.status_code == 302
    record = CaseRecord.objects.get(case=case, kind="contact")
    assert record.data["with_whom"] == "Joanna Nowak" and record.by == people.agent
    step = case.steps.get(key="first_contact")
    assert _post(client, "step-complete", case, step.pk).status_code == 302
    step.refresh_from_db()
    assert step.done_at is not None and step.done_by == people.agent
    page = client.get(reverse("recovery:case", args=[case.pk])).text
    assert "With whom" in page and "Joanna Nowak" in page  # the record, labelled


def test_it_names_each_missing_field_of_a_record(client, people, case):
    client.force_login(people.agent)
    response = _post(client, "record-add", case, "apology", data={"apology-channel": "fax"})
    assert response.status_code == 400
    assert "Select a valid choice. fax is not one of the available choices." in response.text
    assert "This field is required." in response.text
    assert not CaseRecord.objects.filter(case=case).exists()


def test_it_records_an_apology_by_the_person_chosen(client, people, case):
    client.force_login(people.agent)
    data = {
        "apology-by": people.manager.pk,
        "apology-channel": "in_person",
        "apology-words": "I am sorry: I let the wrong year go to print.",
    }
    assert _post(client, "record-add", case, "apology", data=data).status_code == 302
    assert CaseRecord.objects.get(case=case, kind="apology").by == people.manager


def test_it_does_not_let_an_outsider_apologise_on_a_case(client, people, case):
    client.force_login(people.agent)
    data = {"apology-by": people.outsider.pk, "apology-channel": "call", "apology-words": "Sorry"}
    assert _post(client, "record-add", case, "apology", data=data).status_code == 400
    assert not CaseRecord.objects.filter(case=case).exists()


def test_it_records_a_conversation_with_the_question_bank(client, people, case):
    client.force_login(people.agent)
    question = Question.objects.filter(active=True).first()
    data = {
        "conversation-participants": "Joanna Nowak, Alex",
        f"conversation-q{question.pk}": "Reprint by Friday and call us daily.",
        "conversation-other_question": "Anything else?",
        "conversation-other_answer": "Check the next batch with us.",
    }
    assert _post(client, "record-add", case, "conversation", data=data).status_code == 302
    record = CaseRecord.objects.get(case=case, kind="conversation")
    assert record.data["answers"] == [
        {"question": question.text, "answer": "Reprint by Friday and call us daily."},
        {"question": "Anything else?", "answer": "Check the next batch with us."},
    ]


def test_it_adds_keeps_breaks_and_renegotiates_commitments(client, people, case):
    client.force_login(people.agent)
    due = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    for what in ("Reprint every form", "Credit the print run"):
        data = {
            "commitment-what": what,
            "commitment-measure": "Forms delivered and signed for",
            "commitment-owner": people.agent.pk,
            "commitment-due_at": due,
            "commitment-free_of_charge": "on",
        }
        assert _post(client, "commitment-add", case, data=data).status_code == 302
    reprint, credit = Commitment.objects.filter(case=case).order_by("id")
    assert reprint.free_of_charge and reprint.owner == people.agent

    assert (
        _post(client, "commitment-resolve", case, reprint.pk, data={"action": "keep"}).status_code
        == 302
    )
    reprint.refresh_from_db()
    assert reprint.status == CommitmentStatus.KEPT

    later = (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    data = {"action": "renegotiate", "reason": "Finance needs a week", "due_at": later}
    _post(client, "commitment-resolve", case, credit.pk, data=data)
    credit.refresh_from_db()
    assert credit.status == CommitmentStatus.RENEGOTIATED
    new = credit.replaced_by
    _post(client, "commitment-resolve", case, new.pk, data={"action": "break", "reason": ""})
    new.refresh_from_db()
    assert new.status == CommitmentStatus.OPEN  # a broken promise needs its reason
    _post(client, "commitment-resolve", case, new.pk, data={"action": "break", "reason": "Lost"})
    new.refresh_from_db()
    assert new.status == CommitmentStatus.BROKEN


def test_it_refuses_a_commitment_without_a_measure(client, people, case):
    client.force_login(people.agent)
    data = {
        "commitment-what": "Do better",
        "commitment-owner": people.agent.pk,
        "commitment-due_at": "2030-01-01T10:00",
    }
    response = _post(client, "commitment-add", case, data=data)
    assert response.status_code == 400
    assert not Commitment.objects.filter(case=case).exists()


def test_it_pauses_and_resumes_the_clock(client, people, case):
    client.force_login(people.agent)
    assert _post(client, "pause", case, data={"reason": ""}).status_code == 302
    case.refresh_from_db()
    assert not case.is_paused
    _post(client, "pause", case, data={"reason": "Waiting for their list of forms"})
    case.refresh_from_db()
    assert case.is_paused and case.pause_reason == "Waiting for their list of forms"
    page = client.get(reverse("recovery:case", args=[case.pk])).text
    assert "waiting on the customer: Waiting for their list of forms" in page
    _post(client, "resume", case)
    case.refresh_from_db()
    assert not case.is_paused


def test_it_skips_a_step_only_with_a_reason_and_closes_when_all_are_finished(client, people, case):
    client.force_login(people.agent)
    steps = list(case.steps.all())
    _post(client, "step-skip", case, steps[0].pk, data={"reason": ""})
    steps[0].refresh_from_db()
    assert steps[0].done_at is None

    response = _post(client, "close", case, data={"outcome": "recovered"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert not case.is_closed

    for step in steps:
        _post(client, "step-skip", case, step.pk, data={"reason": "Handled by phone"})
    # Telling them first and the apology were skipped: "recovered" must be confirmed.
    asked = _post(client, "close", case, data={"outcome": "recovered", "note": "Happy again"})
    assert asked.status_code == 400 and "These steps were skipped" in asked.text
    case.refresh_from_db()
    assert not case.is_closed
    _post(
        client,
        "close",
        case,
        data={"outcome": "recovered", "note": "Happy again", "confirm_skipped": "on"},
    )
    case.refresh_from_db()
    assert case.outcome == "recovered" and case.closing_note == "Happy again"
    closed = case.account.events.get(action="case.closed")
    assert sorted(closed.after["confirmed_despite_skipped"]) == [
        "Apologise in the first person",
        "Tell them first",
    ]
    page = client.get(reverse("recovery:case", args=[case.pk])).text
    assert "Closed" in page and "Close the case" not in page  # nothing changes a closed case
    assert _post(client, "pause", case, data={"reason": "x"}).status_code == 302
    case.refresh_from_db()
    assert not case.is_paused


def test_my_work_lists_what_is_late_due_and_escalated(client, people, case):
    step = case.steps.get(key="first_contact")
    deadlines_check(now=step.due_at + timedelta(hours=30))
    client.force_login(people.agent)
    page = client.get(reverse("recovery:work")).text
    assert "Escalated to me" in page and "Late step: Tell them first" in page
    # The manager got it too, after 24 hours late.
    client.force_login(people.manager)
    assert "Late step: Tell them first" in client.get(reverse("recovery:work")).text
    # An outsider has no work here and sees no case.
    client.force_login(people.outsider)
    page = client.get(reverse("recovery:work")).text
    assert "Harbor Printing" not in page
    assert "Nothing is due today, late or escalated to you." in page


def test_my_work_shows_a_late_step_of_my_case(client, people, account):
    from amends.recovery.opening import case_open
    from amends.timeline.services import Actor

    thaw = Playbook.objects.get(kind="thaw")
    case = case_open(
        actor=Actor(user=people.agent, via="web"),
        account=account,
        playbook=thaw,
        severity=4,
        reason="Quiet for 90 days",
        now=timezone.now() - timedelta(days=6),
    )
    client.force_login(people.agent)
    page = client.get(reverse("recovery:work")).text
    assert f"{reverse('recovery:case', args=[case.pk])}#step-reach_out" in page
    assert "was due" in page


def test_it_opens_a_case_without_an_incident(client, people, account):
    client.force_login(people.agent)
    url = reverse("recovery:open", args=[account.pk])
    complaint = Playbook.objects.get(kind="complaint")
    response = client.post(url, {"playbook": complaint.pk, "severity": 2, "reason": ""})
    assert response.status_code == 200 and not RecoveryCase.objects.exists()
    response = client.post(
        url, {"playbook": complaint.pk, "severity": 2, "reason": "Invoice sent twice"}
    )
    case = RecoveryCase.objects.get()
    assert response["Location"] == reverse("recovery:case", args=[case.pk])
    assert case.playbook == complaint and case.incident is None
    assert Event.objects.filter(account=account, action="case.opened").exists()
    detail = client.get(reverse("accounts:detail", args=[account.pk])).text
    assert "Welcome a complaint" in detail


def test_it_records_only_what_has_happened(client, people, case):
    client.force_login(people.agent)
    tomorrow = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {"explanation-text": "The template was old.", "explanation-at": tomorrow}
    response = _post(client, "record-add", case, "explanation", data=data)
    assert response.status_code == 400
    assert "Record what has happened, not what is planned." in response.text
    assert not CaseRecord.objects.filter(case=case).exists()


def test_it_starts_from_the_playbook_a_link_names(client, people, account):
    client.force_login(people.agent)
    url = reverse("recovery:open", args=[account.pk])
    parting = Playbook.objects.get(kind="parting")
    page = client.get(url, {"playbook": "parting"}).text
    assert f'<option value="{parting.pk}" selected>' in page


def test_it_offers_each_kind_of_record_once_and_loads_its_form_when_opened(client, people, case):
    client.force_login(people.agent)
    page = client.get(reverse("recovery:case", args=[case.pk])).text
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # one form per kind: no id twice
    for kind in RECORD_FORMS:
        assert ids.count(f"record-{kind}") == 1
    # The current step's form is open at once: recording there completes the step.
    assert '<details class="recordform" id="record-contact" open>' in page
    assert 'name="contact-with_whom"' in page
    # A later step offers the explanation; its form is not on the page until opened.
    url = reverse("recovery:record-add", args=[case.pk, "explanation"])
    assert f'hx-get="{url}"' in page and 'name="explanation-text"' not in page

    opened = client.get(url, headers={"HX-Request": "true"})
    assert opened.status_code == 200 and "<html" not in opened.text
    assert 'name="explanation-text"' in opened.text and "csrfmiddlewaretoken" in opened.text

    # Without JavaScript the link opens the case page with that form in it.
    whole = client.get(url).text
    assert '<details class="recordform" id="record-explanation" open>' in whole
    assert 'name="explanation-text"' in whole and "<html" in whole


def test_the_commitment_form_loads_when_opened(client, people, case):
    client.force_login(people.agent)
    page = client.get(reverse("recovery:case", args=[case.pk])).text
    url = reverse("recovery:commitment-add", args=[case.pk])
    assert f'hx-get="{url}"' in page and 'name="commitment-what"' not in page
    opened = client.get(url, headers={"HX-Request": "true"})
    assert opened.status_code == 200 and "<html" not in opened.text
    assert opened.text.startswith(f'<form method="post" action="{url}"')
    assert 'name="commitment-what"' in opened.text and ">alex</option>" in opened.text
    whole = client.get(url).text  # without JavaScript: the page, with the form open
    assert '<details class="recordform" id="add-commitment" open>' in whole
    assert 'name="commitment-what"' in whole
    # Sent back with its errors, the form is on the page, open.
    refused = _post(client, "commitment-add", case, data={"commitment-what": "Reprint"})
    assert refused.status_code == 400
    assert '<details class="recordform" id="add-commitment" open>' in refused.text


@pytest.mark.parametrize(
    ("name", "args"),
    [("record-add", ["apology"]), ("commitment-add", [])],
    ids=["record", "commitment"],
)
def test_it_gives_a_form_only_to_whoever_may_use_it(client, people, case, name, args):
    url = reverse(f"recovery:{name}", args=[case.pk, *args])
    client.force_login(people.viewer)
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 403
    client.force_login(people.outsider)
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404
    client.force_login(people.agent)
    RecoveryCase.objects.filter(pk=case.pk).update(closed_at=timezone.now(), outcome="lost")
    closed = client.get(url, headers={"HX-Request": "true"})
    assert closed.status_code == 302 and closed["Location"] == f"/cases/{case.pk}/"


def test_it_has_no_form_for_a_kind_of_record_it_does_not_know(client, people, case):
    client.force_login(people.agent)
    url = reverse("recovery:record-add", args=[case.pk, "nonsense"])
    assert client.get(url).status_code == 404


def test_my_work_sorts_its_open_cases_by_a_column(client, people, declare, account, south_account):
    from amends.accounts.services import account_create
    from amends.timeline.services import Actor

    other = account_create(
        actor=Actor(user=people.agent, via="web"),
        team=people.north,
        name="Aster Bakery",
        annual_value="10",
        owner=people.agent,
    )
    declare([account, other])
    client.force_login(people.agent)
    url = reverse("recovery:work")

    def listed(**query):
        page = client.get(url, query).text
        return page[page.index('id="open-cases"') :]

    by_name = listed(sort="account", scope="team")
    assert by_name.index("Aster Bakery") < by_name.index("Harbor Printing Ltd")
    by_value = listed(sort="value", scope="team")
    assert by_value.index("Harbor Printing Ltd") < by_value.index("Aster Bakery")
    assert 'aria-sort="ascending"' in by_name and "scope=team" in by_name
    # By the next step due: Harbor's first step is done, so Aster's comes first.
    harbor = account.cases.get()
    first = harbor.steps.get(key="first_contact")
    first.done_at = timezone.now()
    first.save()
    by_due = listed(sort="due", scope="team")
    assert by_due.index("Aster Bakery") < by_due.index("Harbor Printing Ltd")
    by_due_last = listed(sort="-due", scope="team")
    assert by_due_last.index("Harbor Printing Ltd") < by_due_last.index("Aster Bakery")


def test_my_work_s_pages_keep_the_sort(client, people, settings, declare, account):
    settings.AMENDS_PAGE_SIZE = 1
    from amends.accounts.services import account_create
    from amends.timeline.services import Actor

    other = account_create(
        actor=Actor(user=people.agent, via="web"), team=people.north, name="Aster Bakery"
    )
    declare([account, other])
    client.force_login(people.agent)
    page = client.get(reverse("recovery:work"), {"sort": "account", "scope": "team"}).text
    assert "sort=account&amp;scope=team&amp;page=2" in page
