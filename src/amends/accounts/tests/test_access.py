"""The outsider's story: an agent of team South must learn nothing about team
North's accounts, and a viewer of North may look but never change anything."""

import pytest
from django.urls import reverse

from amends.accounts.models import Account, Contact
from amends.people.services import token_create
from amends.timeline.models import Event


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='test').secret}"}


def web_urls(account):
    contact = account.contacts.first()
    return [
        reverse("accounts:detail", args=[account.pk]),
        reverse("accounts:edit", args=[account.pk]),
        reverse("accounts:contact-create", args=[account.pk]),
        reverse("accounts:contact-edit", args=[contact.pk]),
    ]


@pytest.mark.django_db
def test_it_hides_every_account_page_from_the_outsider(client, people, account):
    client.force_login(people.outsider)
    for url in web_urls(account):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "Taken over"}).status_code == 404, url
    contact = account.contacts.first()
    delete = reverse("accounts:contact-delete", args=[contact.pk])
    assert client.post(delete).status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()


@pytest.mark.django_db
def test_it_leaves_the_outsiders_list_and_export_without_other_teams(
    client, people, account, south_account
):
    client.force_login(people.outsider)
    listing = client.get(reverse("accounts:list"))
    assert south_account.name in listing.text
    assert account.name not in listing.text
    search = client.get(reverse("accounts:list"), {"q": "harbor"})
    assert account.name not in search.text
    export = b"".join(client.get(reverse("accounts:export")).streaming_content).decode()
    assert "Southern Foods" in export and account.name not in export


@pytest.mark.django_db
def test_it_hides_every_account_endpoint_from_the_outsider(client, people, account):
    headers = bearer(people.outsider)
    contact = account.contacts.first()
    reads = [
        f"/api/v1/accounts/{account.pk}",
        f"/api/v1/accounts/{account.pk}/contacts",
        f"/api/v1/accounts/{account.pk}/timeline",
    ]
    for url in reads:
        response = client.get(url, **headers)
        assert response.status_code == 404, url
        assert response.json()["message"]
    writes = [
        ("patch", f"/api/v1/accounts/{account.pk}", {"name": "Taken over"}),
        ("post", f"/api/v1/accounts/{account.pk}/contacts", {"name": "Spy"}),
        ("patch", f"/api/v1/contacts/{contact.pk}", {"name": "Spy"}),
        ("delete", f"/api/v1/contacts/{contact.pk}", None),
    ]
    for method, url, body in writes:
        response = getattr(client, method)(url, body, content_type="application/json", **headers)
        assert response.status_code == 404, (method, url)
    listing = client.get("/api/v1/accounts", **headers).json()
    assert account.pk not in [item["id"] for item in listing["items"]]
    assert client.get("/api/v1/accounts?team=north", **headers).json()["count"] == 0
    account.refresh_from_db()
    assert account.name == "Harbor Printing Ltd"


@pytest.mark.django_db
def test_it_lets_the_outsider_create_nothing_in_another_team(client, people):
    response = client.post(
        "/api/v1/accounts",
        {"name": "Planted", "team": "north"},
        content_type="application/json",
        **bearer(people.outsider),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "team"
    assert not Account.objects.filter(name="Planted").exists()


@pytest.mark.django_db
def test_it_lets_the_viewer_look_but_change_nothing_on_the_web(client, people, account):
    client.force_login(people.viewer)
    assert client.get(reverse("accounts:detail", args=[account.pk])).status_code == 200
    events_before = Event.objects.count()
    for url in web_urls(account)[1:]:
        assert client.post(url, {"name": "Changed"}).status_code == 403, url
    contact = account.contacts.first()
    assert client.post(reverse("accounts:contact-delete", args=[contact.pk])).status_code == 403
    assert client.get(reverse("accounts:create")).status_code == 403
    assert client.post(reverse("accounts:create"), {"name": "X"}).status_code == 403
    assert client.get(reverse("accounts:import")).status_code == 403
    page = client.get(reverse("accounts:detail", args=[account.pk])).text
    assert reverse("accounts:edit", args=[account.pk]) not in page
    assert Event.objects.count() == events_before
    account.refresh_from_db()
    assert account.name == "Harbor Printing Ltd"


@pytest.mark.django_db
def test_it_lets_the_viewer_read_but_not_write_through_the_api(client, people, account):
    headers = bearer(people.viewer)
    assert client.get(f"/api/v1/accounts/{account.pk}", **headers).status_code == 200
    contact = account.contacts.first()
    writes = [
        ("post", "/api/v1/accounts", {"name": "New", "team": "north"}, 403),
        ("patch", f"/api/v1/accounts/{account.pk}", {"name": "Changed"}, 403),
        ("post", f"/api/v1/accounts/{account.pk}/contacts", {"name": "New"}, 403),
        ("patch", f"/api/v1/contacts/{contact.pk}", {"name": "Changed"}, 403),
        ("delete", f"/api/v1/contacts/{contact.pk}", None, 403),
    ]
    for method, url, body, status in writes:
        response = getattr(client, method)(url, body, content_type="application/json", **headers)
        assert response.status_code == status, (method, url, response.content)
        assert response.json()["message"]
    account.refresh_from_db()
    assert account.name == "Harbor Printing Ltd"
    assert account.contacts.count() == 1


@pytest.mark.django_db
def test_it_gives_managers_their_teams_and_admins_everything(
    client, people, account, south_account
):
    from amends.accounts.selectors import AccountFilters, account_list

    assert set(account_list(user=people.manager, filters=AccountFilters())) == {account}
    assert set(account_list(user=people.admin, filters=AccountFilters())) == {
        account,
        south_account,
    }
    client.force_login(people.manager)
    response = client.post(
        reverse("accounts:edit", args=[account.pk]),
        {
            "name": "Harbor Printing Group",
            "kind": "business",
            "team": people.north.pk,
            "owner": people.agent.pk,
            "annual_value": "120000",
            "currency": "EUR",
            "tier": "standard",
            "lifecycle": "at_risk",
            "language": "en",
            "external_id": account.external_id,
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.lifecycle) == ("Harbor Printing Group", "at_risk")


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_the_login_page(client, account):
    response = client.get(reverse("accounts:detail", args=[account.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert client.get(f"/api/v1/accounts/{account.pk}").status_code == 401
