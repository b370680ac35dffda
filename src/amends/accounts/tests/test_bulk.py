"""The account list as a desk (issue 15, item 6): sortable columns in the URL, and
the chosen accounts given to a new owner or downloaded."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from amends.accounts.models import Account
from amends.accounts.services import account_create
from amends.timeline.models import Event
from amends.timeline.services import Actor
from conftest import browser_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(people, account):
    actor = Actor(user=people.agent, via="web")
    small = account_create(actor=actor, team=people.north, name="Aster Bakery", annual_value="900")
    big = account_create(actor=actor, team=people.north, name="Zenith Steel", annual_value="950000")
    return account, small, big


def _names(html):
    return re.findall(r'<a href="/accounts/\d+/">([^<]+)</a>', html)


def test_it_sorts_by_value_and_back_keeping_the_filters(client, people, three):
    client.force_login(people.agent)
    url = reverse("accounts:list")
    assert _names(client.get(url).text) == ["Aster Bakery", "Harbor Printing Ltd", "Zenith Steel"]
    page = client.get(url, {"sort": "value", "tier": "standard"}).text
    assert _names(page) == ["Zenith Steel", "Harbor Printing Ltd", "Aster Bakery"]
    assert 'aria-sort="descending"' in page
    again = re.search(r'href="(\?[^"]*sort=-value[^"]*)"', page).group(1)
    assert "tier=standard" in again
    page = client.get(url + again.replace("&amp;", "&")).text
    assert _names(page) == ["Aster Bakery", "Harbor Printing Ltd", "Zenith Steel"]
    assert client.get(url, {"sort": "name; DROP TABLE"}).status_code == 200


def test_it_gives_the_chosen_accounts_to_a_new_owner(client, people, three):
    client.force_login(people.agent)
    ids = [a.pk for a in three[:2]]
    response = client.post(
        reverse("accounts:bulk"),
        {"ids": ids, "action": "owner", "owner": people.manager.pk, "query": "sort=value"},
    )
    assert response["Location"] == reverse("accounts:list") + "?sort=value"
    owners = dict(Account.objects.values_list("pk", "owner_id"))
    assert owners[ids[0]] == owners[ids[1]] == people.manager.pk
    assert owners[three[2].pk] != people.manager.pk
    moved = Event.objects.filter(action="account.updated", after__has_key="owner")
    assert moved.count() == 2


def test_an_owner_outside_the_team_changes_none(client, people, three):
    client.force_login(people.agent)
    ids = [a.pk for a in three]
    client.post(
        reverse("accounts:bulk"), {"ids": ids, "action": "owner", "owner": people.outsider.pk}
    )
    assert not Account.objects.filter(owner=people.outsider).exists()


def test_crafted_ids_or_owners_are_refused_without_an_error(client, people, three):
    client.force_login(people.agent)
    url = reverse("accounts:bulk")
    assert client.post(url, {"ids": ["²"], "action": "owner", "owner": "1"}).status_code == 302
    response = client.post(url, {"ids": [three[0].pk], "action": "owner", "owner": "abc"})
    assert response.status_code == 302
    assert not Account.objects.exclude(owner=people.agent).filter(pk=three[0].pk).exists()


def test_accounts_without_a_score_come_last_by_health(client, people, three):
    from django.utils import timezone

    from amends.health.models import AccountHealth

    client.force_login(people.agent)
    _harbor, small, big = three
    for account, score in ((big, 35), (small, 80)):
        AccountHealth.objects.create(
            account=account, score=score, band="green", segment="loyal", scored_at=timezone.now()
        )
    # Harbor has no score yet: last, whichever way (SQLite alone would put it first).
    page = client.get(reverse("accounts:list"), {"sort": "health"}).text
    assert _names(page) == ["Zenith Steel", "Aster Bakery", "Harbor Printing Ltd"]
    page = client.get(reverse("accounts:list"), {"sort": "-health"}).text
    assert _names(page) == ["Aster Bakery", "Zenith Steel", "Harbor Printing Ltd"]


def test_it_downloads_only_the_chosen(client, people, three):
    client.force_login(people.agent)
    response = client.post(
        reverse("accounts:bulk"), {"ids": [three[0].pk, three[2].pk], "action": "export"}
    )
    text = b"".join(response.streaming_content).decode()
    assert "Harbor Printing Ltd" in text and "Zenith Steel" in text and "Aster" not in text


def test_an_outsider_or_viewer_cannot(client, people, three, south_account):
    client.force_login(people.outsider)
    response = client.post(
        reverse("accounts:bulk"),
        {"ids": [three[0].pk], "action": "owner", "owner": people.outsider.pk},
    )
    assert response.status_code == 404
    assert (
        client.post(
            reverse("accounts:bulk"), {"ids": [three[0].pk], "action": "export"}
        ).status_code
        == 404
    )
    client.force_login(people.viewer)
    response = client.post(
        reverse("accounts:bulk"),
        {"ids": [three[0].pk], "action": "owner", "owner": people.agent.pk},
    )
    assert response.status_code == 403
    assert "Choose every account listed" not in client.get(reverse("accounts:list")).text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_manager_sorts_chooses_and_gives_accounts_in_the_browser(page, people, three):
    browser_login(page, "mia", then="/accounts/")
    page.get_by_role("link", name="Annual value").click()
    expect(page.locator("table.accounts tbody tr").first).to_contain_text("Zenith Steel")
    assert "sort=value" in page.url
    rows = page.locator("table.accounts tbody tr")
    rows.nth(0).get_by_role("checkbox").check()
    rows.nth(1).get_by_role("checkbox").check()
    page.get_by_label("Give the chosen to").select_option(label="alex")
    page.get_by_role("button", name="Give them").click()
    # Harbor was alex's already: one changed, and the other is said to be his.
    expect(page.locator("ul.messages")).to_contain_text("1 account given to alex.")
    expect(page.locator("ul.messages")).to_contain_text("1 was alex's already.")
    assert "sort=value" in page.url
    assert set(Account.objects.filter(owner=people.agent).values_list("name", flat=True)) >= {
        "Zenith Steel",
        "Harbor Printing Ltd",
    }
