"""The inbox as a desk (issue 15, item 6): sortable columns kept in the URL, and one
action on many conversations: assign, acknowledge, flag, resolve."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from amends.complaints.models import Complaint
from amends.timeline.models import Event, Notification
from conftest import browser_login

pytestmark = pytest.mark.django_db


def _bulk(client, ids, action, **extra):
    data = {"ids": [str(i) for i in ids], "action": action, "query": "show=open&sort=due", **extra}
    return client.post(reverse("complaints:bulk"), data)


def test_it_acknowledges_many_and_says_which_it_left(client, people, receive):
    first, second, done = receive("One"), receive("Two"), receive("Three")
    done.acknowledged_at = timezone.now()
    done.save()
    client.force_login(people.agent)
    response = _bulk(client, [first.pk, second.pk, done.pk], "acknowledge")
    # Back to the same list: its filters and sort are kept.
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:inbox") + "?show=open&sort=due"
    page = client.get(response["Location"]).text
    assert "2 conversations done." in page and "Left as it was: “Three”" in page
    assert Complaint.objects.filter(acknowledged_at__isnull=False).count() == 3
    assert Event.objects.filter(action="complaint.acknowledged").count() == 2


def test_it_assigns_flags_and_resolves_many(client, people, receive):
    one, two = receive("One"), receive("Two")
    client.force_login(people.agent)
    _bulk(client, [one.pk, two.pk], "assign", assignee=people.manager.pk)
    assert set(Complaint.objects.values_list("assignee_id", flat=True)) == {people.manager.pk}
    assert Notification.objects.filter(recipient=people.manager).count() == 2
    _bulk(client, [one.pk, two.pk], "vent")
    assert set(Complaint.objects.values_list("flag", flat=True)) == {"venting"}
    _bulk(client, [one.pk], "resolve")
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.resolved_at is not None and two.resolved_at is None
    # Someone who cannot answer the team's conversations is not given them.
    _bulk(client, [two.pk], "assign", assignee=people.viewer.pk)
    two.refresh_from_db()
    assert two.assignee == people.manager


def test_an_outsider_or_a_viewer_changes_none_of_them(client, people, receive):
    one, two = receive("One"), receive("Two")
    client.force_login(people.outsider)
    assert _bulk(client, [one.pk, two.pk], "acknowledge").status_code == 404
    client.force_login(people.viewer)
    assert _bulk(client, [one.pk, two.pk], "acknowledge").status_code == 403
    assert not Complaint.objects.filter(acknowledged_at__isnull=False).exists()
    # An unknown action changes nothing either.
    client.force_login(people.agent)
    _bulk(client, [one.pk], "delete")
    assert (
        not Event.objects.filter(action__startswith="complaint.")
        .exclude(action="complaint.received")
        .exists()
    )


def test_crafted_ids_or_people_are_refused_without_an_error(client, people, receive):
    one = receive("One")
    client.force_login(people.agent)
    for data in ({"ids": ["²", str(one.pk)]}, {"ids": [str(one.pk)], "assignee": "abc"}):
        response = client.post(
            reverse("complaints:bulk"), {"action": "assign", "query": "", **data}
        )
        assert response.status_code in (302, 404)
    one.refresh_from_db()
    assert one.assignee is None


def test_rows_of_a_team_one_only_views_cannot_be_chosen(client, people, receive):
    from amends.people.models import Role
    from amends.people.services import membership_set

    membership_set(user=people.agent, team=people.south, role=Role.VIEWER)
    mine = receive("Mine to answer")
    theirs = receive("Theirs to answer", team=people.south)
    client.force_login(people.agent)
    page = client.get(reverse("complaints:inbox")).text
    assert f'name="ids" value="{mine.pk}"' in page
    assert f'name="ids" value="{theirs.pk}"' not in page and "Theirs to answer" in page


def test_an_account_filter_names_only_an_account_one_may_see(client, people, south_account):
    client.force_login(people.agent)
    page = client.get(reverse("complaints:inbox"), {"account": south_account.pk}).text
    assert "Southern Foods" not in page


def test_it_sorts_by_a_column_and_keeps_it_in_the_url(client, people, receive, account):
    receive("Newest but answer later")
    older = receive("Older")
    older.received_at = timezone.now() - timezone.timedelta(hours=5)
    older.acknowledge_by = timezone.now() - timezone.timedelta(hours=1)
    older.save()
    client.force_login(people.agent)
    page = client.get(reverse("complaints:inbox")).text
    assert page.index("Newest but answer later") < page.index(">Older<")
    page = client.get(reverse("complaints:inbox"), {"sort": "due", "show": "open"}).text
    assert page.index(">Older<") < page.index("Newest but answer later")
    assert 'aria-sort="ascending"' in page
    # Clicking the header again reverses it; the filter stays.
    link = re.search(r'href="(\?[^"]*sort=-due[^"]*)"', page).group(1)
    assert "show=open" in link
    # An unknown sort falls back to the newest first.
    assert client.get(reverse("complaints:inbox"), {"sort": "password"}).status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_triage_finds_a_chinese_word_assigns_and_acknowledges_in_bulk(page, people, receive):
    """Issue 15's inbox triage: search a Chinese word, assign, acknowledge in bulk."""
    wanted = receive("我们的订单到现在还没有发货，请尽快处理。", customer_name="王芳")
    also = receive("订单号 4471 的发票金额不对。", customer_name="李雷")
    other = receive("The forms came with the wrong year.")
    browser_login(page, "alex", then="/inbox/")
    search = page.locator("form.filters").get_by_label("Search")
    search.fill("订单")
    search.press("Enter")
    rows = page.locator("#complaint-list tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#complaint-list")).not_to_contain_text("wrong year")
    assert "q=" in page.url  # the search is in the URL, to share

    page.get_by_label("Choose every conversation listed").check()
    page.get_by_label("With the chosen").select_option(label="Assign to…")
    page.get_by_label("Assign to", exact=True).select_option(label="mia")
    page.get_by_role("button", name="Do it").click()
    expect(page.locator("ul.messages")).to_contain_text("2 conversations done.")
    expect(rows).to_have_count(2)  # the same search, back again
    expect(rows.first).to_contain_text("Assigned to mia")

    page.get_by_label("Choose every conversation listed").check()
    page.get_by_label("With the chosen").select_option(label="Acknowledge")
    page.get_by_role("button", name="Do it").click()
    expect(page.locator("ul.messages")).to_contain_text("2 conversations done.")
    for complaint in (wanted, also):
        complaint.refresh_from_db()
        assert complaint.assignee == people.manager and complaint.acknowledged_at is not None
    other.refresh_from_db()
    assert other.assignee is None and other.acknowledged_at is None
