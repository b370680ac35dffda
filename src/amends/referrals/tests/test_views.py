"""The referrals list, the form and the account page's panel, person by person."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amends.referrals.models import Referral
from amends.timeline.services import Actor
from conftest import login

pytestmark = pytest.mark.django_db

LIST = "/referrals/"
NEW = "/referrals/new/"


def test_it_lists_the_team_referrals_newest_first_with_the_former_client_badge(
    client, people, refer, churned, account, make_account, south_account
):
    today = timezone.localdate()
    refer(account, referred_name="Kestrel Studio", referred_on=today - timedelta(days=9))
    refer(churned, account, referred_on=today - timedelta(days=2))
    other = make_account("Southern Bakery", team=people.south, by=people.outsider)
    refer(south_account, other, actor=Actor(user=people.outsider, via="web"))

    page = login(client, people.viewer).get(LIST)

    assert page.status_code == 200
    assert reverse("referrals:list") == LIST
    rows = page.context["rows"]
    assert [r.referred_name for r in rows] == ["Harbor Printing Ltd", "Kestrel Studio"]
    html = page.content.decode()
    assert html.count('class="badge outcome-advocate former-client"') == 1
    assert "Bluebird Foods" in html and "Southern Bakery" not in html
    assert "Record a referral" not in html  # a viewer only looks
    assert "Remove" not in html


def test_it_filters_to_referrals_from_former_clients(client, people, refer, churned, account):
    refer(account, referred_name="Kestrel Studio")
    refer(churned, account)

    page = login(client, people.agent).get(LIST, {"former_only": "on"})

    assert [r.referrer.name for r in page.context["rows"]] == ["Bluebird Foods"]
    assert page.context["form"].cleaned_data["former_only"] is True
    partial = client.get(LIST, {"former_only": "on"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"Bluebird Foods" in partial.content


def test_it_filters_to_one_account(client, people, refer, churned, account, make_account):
    refer(churned, account)
    refer(make_account("Maple Studio"), referred_name="Kestrel Studio")

    page = login(client, people.agent).get(LIST, {"account": account.pk})

    assert [r.referred_name for r in page.context["rows"]] == ["Harbor Printing Ltd"]
    assert page.context["filtered_account"] == account


def test_it_records_a_referral_from_the_account_page(client, people, churned, account):
    login(client, people.agent)
    detail = client.get(f"/accounts/{churned.pk}/")
    assert f'href="{NEW}?referrer={churned.pk}"' in detail.content.decode()

    form = client.get(NEW, {"referrer": churned.pk})
    assert form.status_code == 200 and form.context["former_client"] is True
    matches = client.get(
        NEW, {"referrer": churned.pk, "referred_name": "harbor"}, HTTP_HX_REQUEST="true"
    )
    assert b"<html" not in matches.content
    assert [a.name for a in matches.context["matches"]] == ["Harbor Printing Ltd"]
    done = client.post(
        NEW,
        {
            "referrer": churned.pk,
            "referred_name": "Harbor",
            "referred_account": account.pk,
            "referred_contact_name": "Joanna Nowak",
            "referred_on": "2025-03-01",
        },
    )

    assert done.status_code == 302
    assert done["Location"] == f"/accounts/{churned.pk}/#referrals"
    referral = Referral.objects.get()
    assert (referral.referred_account, referral.from_former_client) == (account, True)
    panel = client.get(f"/accounts/{churned.pk}/").content.decode()
    assert "Has referred" in panel and "Harbor" in panel
    referred = client.get(f"/accounts/{account.pk}/").content.decode()
    assert "Referred by" in referred and "former client" in referred


def test_it_goes_back_to_the_list_when_started_there(client, people, account):
    login(client, people.agent)
    found = client.get(NEW, {"q": "harbor", "back": "list"})
    assert [a.name for a in found.context["candidates"]] == ["Harbor Printing Ltd"]
    assert f"?referrer={account.pk}&amp;back=list" in found.content.decode()

    done = client.post(
        NEW,
        {
            "referrer": account.pk,
            "referred_name": "Kestrel Studio",
            "back": "list",
            "referred_on": "2025-03-01",
        },
    )
    assert done.status_code == 302 and done["Location"] == LIST


def test_it_shows_what_is_wrong_on_the_form(client, people, refer, churned, account):
    refer(churned, account)
    login(client, people.agent)

    twice = client.post(
        NEW, {"referrer": churned.pk, "referred_account": account.pk, "referred_on": "2025-03-01"}
    )
    assert twice.status_code == 200
    assert twice.context["form"].errors["referred_account"] == [
        "Bluebird Foods has already referred Harbor Printing Ltd."
    ]
    nameless = client.post(NEW, {"referrer": churned.pk, "referred_on": "2025-03-01"})
    assert "Name the company referred" in nameless.context["form"].errors["referred_name"][0]
    bad = client.post(
        NEW,
        {
            "referrer": churned.pk,
            "referred_name": "X",
            "referred_on": "soon",
            "referred_contact_email": "nope",
        },
    )
    assert set(bad.context["form"].errors) == {"referred_on", "referred_contact_email"}
    itself = client.post(
        NEW, {"referrer": account.pk, "referred_account": account.pk, "referred_on": "2025-03-01"}
    )
    assert itself.context["form"].errors["referred_account"] == ["An account cannot refer itself."]
    assert Referral.objects.count() == 1


def test_a_viewer_may_not_record_or_remove(client, people, refer, churned, account):
    referral = refer(churned, account)
    login(client, people.viewer)

    assert client.get(NEW).status_code == 403
    assert client.post(NEW, {"referrer": churned.pk, "referred_name": "X"}).status_code == 403
    assert client.post(f"/referrals/{referral.pk}/delete/").status_code == 403
    assert "Record a referral" not in client.get(f"/accounts/{churned.pk}/").content.decode()
    assert Referral.objects.count() == 1


def test_an_outsider_sees_nothing_of_another_team(client, people, refer, churned, account):
    referral = refer(churned, account)
    login(client, people.outsider)

    assert client.get(LIST).context["rows"] == []
    assert client.get(NEW, {"referrer": churned.pk}).status_code == 404
    assert client.post(NEW, {"referrer": churned.pk, "referred_name": "X"}).status_code == 404
    assert client.post(f"/referrals/{referral.pk}/delete/").status_code == 404
    assert client.get(NEW, {"q": "bluebird"}).context["candidates"] == []
    assert Referral.objects.count() == 1


def test_it_removes_a_referral(client, people, refer, churned, account):
    referral = refer(churned, account)
    login(client, people.manager)

    done = client.post(f"/referrals/{referral.pk}/delete/", {"back": "list"})

    assert done.status_code == 302 and done["Location"] == LIST
    assert not Referral.objects.exists()


def test_anonymous_people_are_sent_to_log_in(client):
    assert client.get(LIST)["Location"].startswith("/login/")
