"""The inbox and the complaint page, person by person."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amends.complaints.models import AbuseReport, Channel, Complaint, FeedbackPage, Flag
from amends.recovery.models import PlaybookKind
from amends.timeline.models import Event

pytestmark = pytest.mark.django_db

ACTIONS = [
    ("acknowledge", {}),
    ("answer", {"answer": "I am sorry; we will reprint today."}),
    ("account-link", {"account": 0}),
    ("case-link", {"case": 0}),
    ("case-open", {"severity": 3}),
    ("resolve", {}),
    ("satisfaction", {"satisfaction": 4}),
    ("flag", {"flag": "venting"}),
]


def _post(client, name, complaint, data=None):
    return client.post(reverse(f"complaints:{name}", args=[complaint.pk]), data or {})


def _page(client, complaint):
    return client.get(reverse("complaints:complaint", args=[complaint.pk]))


def test_it_lists_the_teams_complaints_newest_first_with_their_deadline(
    client, people, receive, settings
):
    settings.AMENDS_COMPLAINT_ACK_HOURS = 24
    now = timezone.now()
    receive("First, an old one.", now=now - timedelta(hours=30))
    receive("Then a fresh one.", now=now - timedelta(hours=1))
    receive("Someone else's.", team=people.south)

    client.force_login(people.viewer)
    page = client.get(reverse("complaints:inbox"))

    assert page.status_code == 200
    text = page.text
    assert text.index("Then a fresh one.") < text.index("First, an old one.")
    assert "Someone else&#x27;s." not in text and "Someone else's." not in text
    assert "2 complaints" in text
    assert "Late" in text and "acknowledgement was due" in text
    assert "Acknowledge each within 24 hours" in text


def test_it_says_late_once_the_acknowledgement_deadline_passes(receive, settings):
    settings.AMENDS_COMPLAINT_ACK_HOURS = 4
    now = timezone.now()
    complaint = receive(now=now)
    assert complaint.acknowledge_by == now + timedelta(hours=4)
    assert not complaint.is_late(now + timedelta(hours=3, minutes=59))
    assert complaint.is_late(now + timedelta(hours=4, seconds=1))
    complaint.acknowledged_at = now + timedelta(hours=5)
    assert not complaint.is_late(now + timedelta(hours=6))
    assert complaint.was_acknowledged_late


def test_it_filters_the_inbox(client, people, receive, account):
    now = timezone.now()
    late = receive("Late one.", now=now - timedelta(days=3))
    fresh = receive("Fresh one.", customer_email="joanna@harbor.example")
    answered = receive("Answered one.", channel=Channel.STAFF)
    answered.acknowledged_at = now
    answered.flag = Flag.VENTING
    answered.save()
    client.force_login(people.agent)

    def shown(**query):
        text = client.get(reverse("complaints:inbox"), query).text
        return {c.text for c in (late, fresh, answered) if c.text in text}

    assert shown() == {"Late one.", "Fresh one.", "Answered one."}
    assert shown(show="unacknowledged") == {"Late one.", "Fresh one."}
    assert shown(show="late") == {"Late one."}
    assert shown(flag="flagged") == {"Answered one."}
    assert shown(flag="abusive") == set()
    assert shown(channel="staff") == {"Answered one."}
    assert shown(account=account.pk) == {"Fresh one."}
    # The htmx filter answers with the list alone.
    partial = client.get(reverse("complaints:inbox"), {"show": "late"}, HTTP_HX_REQUEST="true")
    assert "<h1>" not in partial.text and "Late one." in partial.text


def test_it_pages_the_inbox(client, people, receive, settings):
    settings.AMENDS_PAGE_SIZE = 5
    for n in range(7):
        receive(f"Complaint number {n}.")
    client.force_login(people.agent)
    first = client.get(reverse("complaints:inbox")).text
    assert "Page 1 of 2" in first and "Complaint number 6." in first
    second = client.get(reverse("complaints:inbox"), {"page": 2}).text
    assert "Complaint number 0." in second and "Complaint number 6." not in second


def test_it_links_the_sender_to_the_account_of_their_contact(receive, account):
    matched = receive(customer_email="JOANNA@harbor.example")
    unmatched = receive(customer_email="nobody@harbor.example")
    assert matched.account_id == account.pk
    assert unmatched.account_id is None
    assert Event.objects.filter(account=account, action="complaint.received").count() == 1


def test_it_hides_complaints_from_an_outsider_everywhere(client, people, receive, account):
    complaint = receive()
    client.force_login(people.outsider)
    assert "The forms came" not in client.get(reverse("complaints:inbox")).text
    assert _page(client, complaint).status_code == 404
    for name, data in ACTIONS:
        assert _post(client, name, complaint, data).status_code == 404, name


def test_it_refuses_a_viewer_every_change(client, people, receive):
    complaint = receive()
    client.force_login(people.viewer)
    page = _page(client, complaint)
    assert page.status_code == 200
    assert "Mark resolved" not in page.text and "Set the flag" not in page.text
    for name, data in ACTIONS:
        assert _post(client, name, complaint, data).status_code == 403, name
    complaint.refresh_from_db()
    assert complaint.acknowledged_at is None and complaint.flag == ""


def test_it_changes_nothing_on_a_get(client, people, receive):
    complaint = receive()
    client.force_login(people.agent)
    for name, _data in ACTIONS:
        assert client.get(reverse(f"complaints:{name}", args=[complaint.pk])).status_code == 405


def test_it_acknowledges_answers_resolves_and_asks_how_satisfied(client, people, receive, account):
    complaint = receive(customer_email="joanna@harbor.example")
    client.force_login(people.agent)

    assert _post(client, "acknowledge", complaint).status_code == 302
    again = client.get(_post(client, "acknowledge", complaint)["Location"])
    assert "already acknowledged" in again.text

    early = client.get(_post(client, "satisfaction", complaint, {"satisfaction": 5})["Location"])
    assert "Ask once the complaint is resolved." in early.text

    answer = "I am sorry we let you down. New forms go out today."
    assert _post(client, "answer", complaint, {"answer": answer}).status_code == 302
    assert _post(client, "resolve", complaint).status_code == 302
    assert _post(client, "satisfaction", complaint, {"satisfaction": 4}).status_code == 302

    complaint.refresh_from_db()
    assert complaint.acknowledged_at and complaint.resolved_at
    assert complaint.answer == answer and complaint.answered_by == people.agent
    assert complaint.satisfaction == 4
    actions = list(
        Event.objects.filter(
            account=account, subject_type="complaints.complaint", subject_id=complaint.pk
        )
        .order_by("at", "id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "complaint.received",
        "complaint.acknowledged",
        "complaint.answered",
        "complaint.resolved",
        "complaint.satisfaction",
    ]
    page = _page(client, complaint).text
    assert "4 / 5" in page and "New forms go out today." in page


def test_it_refuses_an_empty_answer(client, people, receive):
    complaint = receive()
    client.force_login(people.agent)
    response = _post(client, "answer", complaint, {"answer": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.text


def test_it_links_an_account_found_by_name(client, people, receive, account, south_account):
    complaint = receive()
    client.force_login(people.agent)
    found = client.get(reverse("complaints:complaint", args=[complaint.pk]), {"account_q": "harb"})
    assert "Harbor Printing Ltd" in found.text
    other_team = client.get(
        reverse("complaints:complaint", args=[complaint.pk]), {"account_q": "southern"}
    )
    assert "No account of this team matches." in other_team.text

    refused = _post(client, "account-link", complaint, {"account": south_account.pk})
    assert refused.status_code == 302
    complaint.refresh_from_db()
    assert complaint.account_id is None

    _post(client, "account-link", complaint, {"account": account.pk})
    complaint.refresh_from_db()
    assert complaint.account_id == account.pk
    assert Event.objects.filter(account=account, action="complaint.account_linked").exists()


def test_it_turns_a_complaint_into_a_case_or_adds_it_to_one(client, people, receive, account):
    first = receive(customer_email="joanna@harbor.example")
    second = receive("And the invoices too.", customer_email="joanna@harbor.example")
    client.force_login(people.agent)

    opened = _post(client, "case-open", first, {"severity": 2})
    first.refresh_from_db()
    case = first.case
    assert case.playbook.kind == PlaybookKind.COMPLAINT and case.account_id == account.pk
    assert opened["Location"] == reverse("recovery:case", args=[case.pk])
    assert "The forms came with the wrong year." in case.reason

    assert "Add it to an open case" in _page(client, second).text
    _post(client, "case-link", second, {"case": case.pk})
    second.refresh_from_db()
    assert second.case_id == case.pk


def test_it_needs_an_account_before_a_case(client, people, receive):
    complaint = receive()
    client.force_login(people.agent)
    follow = client.get(_post(client, "case-open", complaint, {"severity": 3})["Location"])
    assert "Link the complaint to an account first." in follow.text
    assert not Complaint.objects.filter(case__isnull=False).exists()


def test_it_flags_venting_without_a_report(client, people, receive, account):
    complaint = receive(customer_email="joanna@harbor.example")
    client.force_login(people.agent)
    _post(client, "flag", complaint, {"flag": "venting"})
    complaint.refresh_from_db()
    assert complaint.flag == Flag.VENTING
    assert not AbuseReport.objects.exists()


def test_it_asks_who_was_abused_before_logging_abuse(client, people, receive, account):
    complaint = receive(customer_email="joanna@harbor.example")
    client.force_login(people.agent)
    response = _post(client, "flag", complaint, {"flag": "abusive"})
    assert response.status_code == 400
    assert "Say who on the staff was abused." in response.text
    assert "Say what happened." in response.text
    outsider = _post(
        client,
        "flag",
        complaint,
        {"flag": "abusive", "staff": people.outsider.pk, "description": "Shouted."},
    )
    assert outsider.status_code == 400
    assert not AbuseReport.objects.exists()


def test_it_suggests_parting_after_two_abuse_reports(client, people, receive, account):
    client.force_login(people.agent)
    one = receive("You are all idiots.", customer_email="joanna@harbor.example")
    two = receive("I will get you fired.", customer_email="joanna@harbor.example")

    _post(
        client,
        "flag",
        one,
        {"flag": "abusive", "staff": people.agent.pk, "description": "Insults on the phone."},
    )
    assert AbuseReport.objects.get().staff == people.agent
    assert "Suggested for parting" not in client.get(reverse("complaints:inbox")).text

    _post(
        client,
        "flag",
        two,
        {"flag": "abusive", "staff": people.viewer.pk, "description": "Threats by email."},
    )
    report = AbuseReport.objects.get(complaint=two)
    assert report.account_id == account.pk and report.reported_by == people.agent

    open_parting = reverse("recovery:open", args=[account.pk]) + "?playbook=parting"
    assert "Suggested for parting" in client.get(reverse("complaints:inbox")).text
    page = _page(client, two).text
    assert "Suggested for Playbook 4: parting" in page and open_parting in page
    panel = client.get(reverse("accounts:detail", args=[account.pk])).text
    assert "Suggested for Playbook 4: parting" in panel and open_parting in panel
    assert "consider parting" in Event.objects.filter(action="complaint.flagged").first().summary

    # Flagged by mistake: taking the flag off withdraws its report, and the suggestion.
    _post(client, "flag", two, {"flag": ""})
    assert AbuseReport.objects.count() == 1
    assert "Suggested for parting" not in client.get(reverse("complaints:inbox")).text


def test_it_forgets_abuse_older_than_180_days(client, people, receive, account):
    now = timezone.now()
    complaint = receive(customer_email="joanna@harbor.example")
    for days in (200, 1):
        AbuseReport.objects.create(
            account=account, staff=people.agent, description="x", at=now - timedelta(days=days)
        )
    client.force_login(people.agent)
    assert "Suggested for Playbook 4" not in _page(client, complaint).text


def test_the_account_panel_costs_two_queries(people, account, receive):
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext

    from amends.complaints.parts import account_page_complaints

    receive(customer_email="joanna@harbor.example")
    with CaptureQueriesContext(connection) as queries:
        summary = account_page_complaints(account=account)
        context = {"account": account, "complaint_summary": summary}
        html = render_to_string("complaints/account_panel.html", context)
    # The account's abuse and parting; one pass over its own complaints.
    assert len(queries) == 2
    assert "1 not resolved" in html


def test_it_shows_script_in_the_customers_words_as_text(client, people, receive, account):
    words = '<script>window.pwned = 1</script><img src=x onerror="alert(1)"> & "quotes"'
    complaint = receive(words, customer_name="<b>Eve</b>", customer_email="joanna@harbor.example")
    assert Complaint.objects.get(pk=complaint.pk).text == words  # stored as given
    client.force_login(people.agent)
    pages = [
        client.get(reverse("complaints:inbox")).text,
        _page(client, complaint).text,
        client.get(reverse("accounts:detail", args=[account.pk])).text,
    ]
    for html in pages:
        assert "<script>window.pwned" not in html
        assert "<img src=x" not in html and "<b>Eve</b>" not in html
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in pages[1]


# -- feedback pages, handed out by managers --------------------------------------


def _page_action(client, name, team):
    return client.post(reverse(f"complaints:feedback-page-{name}", args=[team.pk]), {"intro": ""})


def test_a_manager_makes_rotates_and_closes_the_feedback_page(client, people):
    client.force_login(people.manager)
    inbox = client.get(reverse("complaints:inbox")).text
    assert "Public feedback pages" in inbox and "Make the page" in inbox

    _page_action(client, "enable", people.north)
    page = FeedbackPage.objects.get(team=people.north)
    link = reverse("complaints:feedback", args=[page.public_key])
    assert link in client.get(reverse("complaints:inbox")).text

    _page_action(client, "rotate", people.north)
    page.refresh_from_db()
    assert reverse("complaints:feedback", args=[page.public_key]) != link
    assert client.get(link).status_code == 404

    _page_action(client, "disable", people.north)
    page.refresh_from_db()
    assert not page.active
    assert client.get(reverse("complaints:feedback", args=[page.public_key])).status_code == 404


def test_only_managers_hand_out_the_feedback_page(client, people, feedback_page):
    for person in (people.agent, people.viewer):
        client.force_login(person)
        assert "Public feedback pages" not in client.get(reverse("complaints:inbox")).text
        for name in ("enable", "rotate", "disable"):
            assert _page_action(client, name, people.north).status_code == 403, name
    client.force_login(people.outsider)
    for name in ("enable", "rotate", "disable"):
        assert _page_action(client, name, people.north).status_code == 404, name
    feedback_page.refresh_from_db()
    assert feedback_page.active


def test_the_inbox_is_in_the_navigation(client, people):
    client.force_login(people.agent)
    page = client.get(reverse("complaints:inbox")).text
    assert f'href="{reverse("complaints:inbox")}" aria-current="page"' in page
