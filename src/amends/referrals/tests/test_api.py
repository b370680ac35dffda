"""Referrals through the API, with a personal token, person by person."""

import pytest

from amends.referrals.models import Referral
from amends.signals.models import Signal

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals"


def test_it_records_lists_and_removes_a_referral(call, people, churned, account):
    made = call(
        "post",
        URL,
        {
            "referrer_id": churned.pk,
            "referred_account_id": account.pk,
            "referred_contact_name": "Joanna Nowak",
            "referred_on": "2025-03-01",
        },
    )

    assert made.status_code == 201
    body = made.json()
    assert body["referred_name"] == "Harbor Printing Ltd"
    assert body["from_former_client"] is True
    assert (body["team"], body["recorded_by"], body["referrer_name"]) == (
        "north",
        "alex",
        "Bluebird Foods",
    )
    named = call("post", URL, {"referrer_id": account.pk, "referred_name": "Kestrel Studio"})
    assert named.status_code == 201 and named.json()["from_former_client"] is False

    listed = call("get", URL, user=people.viewer).json()
    assert listed["count"] == 2
    former = call("get", f"{URL}?former_only=true").json()["items"]
    assert [r["referrer_id"] for r in former] == [churned.pk]
    by_account = call("get", f"{URL}?account_id={churned.pk}").json()["items"]
    assert [r["id"] for r in by_account] == [body["id"]]
    assert call("get", f"{URL}/{body['id']}").json()["referred_account_id"] == account.pk

    removed = call("delete", f"{URL}/{body['id']}", user=people.manager)
    assert removed.status_code == 204
    assert call("get", f"{URL}/{body['id']}").status_code == 404
    assert not Signal.objects.filter(external_id=f"referral-{body['id']}").exists()


def test_anonymous_callers_must_authenticate(client):
    answer = client.get(URL)

    assert answer.status_code == 401
    assert answer.json()["message"].startswith("Authentication required")
    assert client.post(URL, {}, content_type="application/json").status_code == 401


def test_an_outsider_finds_nothing_of_another_team(call, people, refer, churned, account):
    referral = refer(churned, account)

    assert call("get", URL, user=people.outsider).json()["count"] == 0
    for method, url, body in [
        ("get", f"{URL}/{referral.pk}", None),
        ("delete", f"{URL}/{referral.pk}", None),
        ("get", f"{URL}?account_id={account.pk}", None),
        ("post", URL, {"referrer_id": account.pk, "referred_name": "X"}),
    ]:
        answer = call(method, url, body, user=people.outsider)
        assert answer.status_code == 404, (method, url)
        assert set(answer.json()) == {"message", "errors"}
    assert Referral.objects.count() == 1


def test_an_outsider_cannot_name_another_team_account_as_referred(
    call, people, south_account, make_account
):
    theirs = make_account("Southern Bakery", team=people.south, by=people.outsider)

    answer = call(
        "post",
        URL,
        {"referrer_id": theirs.pk, "referred_account_id": south_account.pk},
        user=people.agent,
    )
    assert answer.status_code == 404


def test_a_viewer_may_read_but_not_write(call, people, refer, churned, account):
    referral = refer(churned, account)

    assert call("get", f"{URL}/{referral.pk}", user=people.viewer).status_code == 200
    created = call(
        "post", URL, {"referrer_id": account.pk, "referred_name": "X"}, user=people.viewer
    )
    assert created.status_code == 403
    assert created.json()["message"] == "You may look at this account but not change it."
    removed = call("delete", f"{URL}/{referral.pk}", user=people.viewer)
    assert removed.status_code == 403
    assert removed.json() == {
        "message": "You may look at this referral but not change it.",
        "errors": [],
    }
    assert Referral.objects.count() == 1


def _fields(answer):
    assert answer.status_code == 422, answer.content
    assert set(answer.json()) == {"message", "errors"}
    return {error["field"] for error in answer.json()["errors"]}


def test_bad_input_names_the_field(call, people, refer, churned, account, south_account):
    assert _fields(call("post", URL, {"referred_name": "X"})) == {"referrer_id"}
    assert _fields(
        call("post", URL, {"referrer_id": account.pk, "referred_on": "soon", "referred_name": "X"})
    ) == {"referred_on"}
    assert _fields(call("post", URL, {"referrer_id": account.pk})) == {"referred_name"}
    assert _fields(
        call("post", URL, {"referrer_id": account.pk, "referred_account_id": account.pk})
    ) == {"referred_account_id"}
    # The admin sees both teams: the referred account of another team is named.
    other_team = call(
        "post",
        URL,
        {"referrer_id": account.pk, "referred_account_id": south_account.pk},
        user=people.admin,
    )
    assert _fields(other_team) == {"referred_account_id"}
    assert "same team" in other_team.json()["errors"][0]["message"]
    refer(churned, account)
    twice = call("post", URL, {"referrer_id": churned.pk, "referred_account_id": account.pk})
    assert _fields(twice) == {"referred_account_id"}
    email = {"referrer_id": account.pk, "referred_name": "X", "referred_contact_email": "nope"}
    assert _fields(call("post", URL, email)) == {"referred_contact_email"}
    assert _fields(call("get", f"{URL}?former_only=maybe")) == {"former_only"}
