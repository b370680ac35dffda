"""GET /api/v1/accounts/{id}/health: who may read it, and what it says."""

from datetime import timedelta

import pytest
from django.utils import timezone

from amends.health.models import HealthSnapshot
from amends.health.services import health_rescore
from amends.people.services import token_create

pytestmark = pytest.mark.django_db


def get(client, user, url):
    secret = token_create(user=user, name="test").secret
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_it_explains_the_score_to_a_viewer_of_the_team(client, people, account, say):
    say(account, "nps", 3, value=10)
    say(account, "meeting", 50)
    HealthSnapshot.objects.create(
        account=account, day=timezone.localdate() - timedelta(days=7), score=40, band="yellow"
    )
    health_rescore(rules=False)

    response = get(client, people.viewer, f"/api/v1/accounts/{account.pk}/health")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["account_id"] == account.pk
    assert (body["score"], body["band"], body["segment"]) == (100, "green", "loyal")
    assert (body["trend"], body["previous_score"]) == ("up", 40)
    nps = next(f for f in body["factors"] if f["key"] == "nps")
    assert nps == {
        "key": "nps",
        "label": "Latest NPS answer",
        "measure": 10.0,
        "points": 100,
        "weight": 25,
        "share": 38,  # 25 of the 65 that count: nps, complaints, touch, late payments
        "window_days": 365,
    }
    csat = next(f for f in body["factors"] if f["key"] == "csat")
    assert csat["measure"] is None and csat["share"] is None
    assert body["cooling"] == []
    assert [s["day"] for s in body["history"]] == [
        str(timezone.localdate()),
        str(timezone.localdate() - timedelta(days=7)),
    ]


def test_it_says_so_when_there_is_no_score(client, people, account):
    body = get(client, people.agent, f"/api/v1/accounts/{account.pk}/health").json()
    assert body["score"] is None and body["band"] is None and body["factors"] == []


def test_it_tells_an_outsider_nothing_not_even_that_the_account_exists(client, people, account):
    response = get(client, people.outsider, f"/api/v1/accounts/{account.pk}/health")
    assert response.status_code == 404
    assert response.json() == {"message": "No such account.", "errors": []}
    missing = get(client, people.outsider, "/api/v1/accounts/999999/health")
    assert missing.status_code == 404
    assert client.get(f"/api/v1/accounts/{account.pk}/health").status_code == 401
