from datetime import timedelta

import pytest
from django.utils import timezone

from amends.people.services import token_create
from amends.signals.models import Signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, people):
    """Call the API with a bearer token of the named persona."""

    def call(who, method, url, body=None):
        secret = token_create(user=getattr(people, who), name="test").secret
        return getattr(client, method)(
            url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
        )

    return call


def item(**values):
    return {
        "account": "crm-1042",
        "kind": "nps",
        "at": "2025-03-01T10:00:00Z",
        "source": "survey",
        "external_id": "s-1",
        "value": 9,
        **values,
    }


def assert_error_shape(body: dict) -> None:
    assert set(body) == {"message", "errors"}
    assert all(set(error) == {"field", "message"} for error in body["errors"])


def test_it_records_a_batch_and_counts_what_was_already_there(api, harbor):
    batch = {
        "signals": [
            item(),
            item(kind="order", external_id="o-1", value="1250.50", currency="pln"),
            {
                "account_id": harbor.pk,
                "kind": "complaint",
                "at": "2025-03-02T08:00:00+01:00",
                "external_id": "c-1",
                "text": "Late again.",
            },
            item(kind="usage", external_id="u-1", value=12.5, metric="logins"),
            item(kind="Trial_Started", external_id="t-1", value=None),
        ]
    }
    first = api("agent", "post", "/api/v1/signals", batch)
    assert first.status_code == 200, first.content
    assert first.json() == {"created": 5, "already_there": 0}
    order = Signal.objects.get(external_id="o-1")
    assert (str(order.value), order.currency) == ("1250.5000", "PLN")
    complaint = Signal.objects.get(external_id="c-1")
    assert (complaint.source, complaint.account_id) == ("api", harbor.pk)
    assert complaint.at.isoformat() == "2025-03-02T07:00:00+00:00"
    assert Signal.objects.get(external_id="t-1").kind == "trial_started"

    again = api("agent", "post", "/api/v1/signals", batch)
    assert again.json() == {"created": 0, "already_there": 5}
    assert Signal.objects.count() == 5


def test_it_refuses_the_whole_batch_naming_each_item_and_field(api, harbor):
    batch = {
        "signals": [
            item(),
            item(external_id="s-2", value=11),
            item(external_id="s-3", kind="order", value=-1),
            item(external_id="s-4", at="next tuesday", account="crm-0000"),
            item(external_id="s-1"),
            item(external_id="s-6", value="lots"),
        ]
    }
    response = api("agent", "post", "/api/v1/signals", batch)
    assert response.status_code == 422
    body = response.json()
    assert_error_shape(body)
    fields = [error["field"] for error in body["errors"]]
    # The type check comes first (a value that is no number); nothing is stored.
    assert fields == ["signals.5.value"]
    assert Signal.objects.count() == 0

    del batch["signals"][5]
    response = api("agent", "post", "/api/v1/signals", batch)
    assert response.status_code == 422
    assert response.json()["message"] == "No signal was stored: some are not valid."
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("signals.1.value", "'11' is not a whole number from 0 to 10"),
        ("signals.2.value", "'-1': an order's amount is 0 or more"),
        ("signals.2.currency", "is required for order"),
        ("signals.3.account", "no account 'crm-0000'"),
        ("signals.3.at", "'next tuesday' is not a time; write ISO 8601: 2025-03-01T10:20:30Z"),
        ("signals.4.external_id", "'s-1' is also item 0"),
    ]
    assert Signal.objects.count() == 0


def test_it_refuses_more_than_a_thousand_or_none(api, harbor):
    too_many = {"signals": [item(external_id=f"s-{n}") for n in range(1001)]}
    response = api("agent", "post", "/api/v1/signals", too_many)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "signals"
    assert api("agent", "post", "/api/v1/signals", {"signals": []}).status_code == 422


def test_it_refuses_an_outsider_naming_the_item_and_a_viewer_outright(api, harbor, southern):
    outsider = api("outsider", "post", "/api/v1/signals", {"signals": [item()]})
    assert outsider.status_code == 422
    assert outsider.json()["errors"] == [
        {"field": "signals.0.account", "message": "no account 'crm-1042'"}
    ]
    by_id = api("outsider", "post", "/api/v1/signals", {"signals": [item(account_id=harbor.pk)]})
    assert by_id.json()["errors"] == [
        {"field": "signals.0.account_id", "message": f"no account '{harbor.pk}'"}
    ]
    viewer = api("viewer", "post", "/api/v1/signals", {"signals": [item()]})
    assert viewer.status_code == 403
    assert_error_shape(viewer.json())
    own = api("outsider", "post", "/api/v1/signals", {"signals": [item(account="south-7")]})
    assert own.json() == {"created": 1, "already_there": 0}
    assert Signal.objects.get().account_id == southern.pk


def test_it_asks_for_a_token(client, harbor):
    response = client.post(
        "/api/v1/signals", {"signals": [item()]}, content_type="application/json"
    )
    assert response.status_code == 401
    assert_error_shape(response.json())


def test_it_lists_an_accounts_signals_newest_first_in_pages(api, harbor):
    now = timezone.now()
    Signal.objects.bulk_create(
        Signal(
            account=harbor,
            kind="usage" if n % 2 else "nps",
            at=now - timedelta(days=n),
            source="app",
            external_id=f"u-{n}",
            value=n,
        )
        for n in range(60)
    )
    first = api("viewer", "get", f"/api/v1/accounts/{harbor.pk}/signals")
    assert first.status_code == 200
    body = first.json()
    assert (body["count"], body["pages"], body["page_size"]) == (60, 2, 50)
    assert [s["external_id"] for s in body["items"][:3]] == ["u-0", "u-1", "u-2"]
    second = api("viewer", "get", f"/api/v1/accounts/{harbor.pk}/signals?page=2")
    assert [s["external_id"] for s in second.json()["items"]][-1] == "u-59"
    nps = api("viewer", "get", f"/api/v1/accounts/{harbor.pk}/signals?kind=nps&page_size=5")
    assert nps.json()["count"] == 30
    assert {s["kind"] for s in nps.json()["items"]} == {"nps"}


def test_it_hides_another_teams_signals_from_the_outsider(api, harbor):
    response = api("outsider", "get", f"/api/v1/accounts/{harbor.pk}/signals")
    assert response.status_code == 404
    assert_error_shape(response.json())
    assert response.json()["message"] == "No such account."
