import hashlib
import hmac
import json

import pytest
from django.core.management import call_command

from amends.signals.models import Signal, SignalSource, WebhookReceipt
from amends.signals.services import signal_source_create
from amends.timeline.services import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def helpdesk(people):
    """A source for team North, and its secret."""
    source, secret = signal_source_create(
        actor=Actor.system(), slug="helpdesk", name="Helpdesk", team=people.north
    )
    return source, secret


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(client, slug: str, payload, secret: str | None = None, signature: str | None = None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {}
    if signature is not None:
        headers["HTTP_X_AMENDS_SIGNATURE"] = signature
    elif secret is not None:
        headers["HTTP_X_AMENDS_SIGNATURE"] = sign(secret, body)
    return client.post(f"/hooks/signals/{slug}/", body, content_type="application/json", **headers)


def ticket(**values):
    return {
        "account": "crm-1042",
        "kind": "ticket_opened",
        "at": "2025-03-01T10:00:00Z",
        "external_id": "t-1",
        **values,
    }


def test_it_records_a_signed_delivery_of_one_signal_or_a_list(client, harbor, helpdesk):
    source, secret = helpdesk
    one = post(client, "helpdesk", ticket(), secret)
    assert one.status_code == 200, one.content
    assert one.json() == {"created": 1, "already_there": 0}
    many = post(
        client,
        "helpdesk",
        [ticket(), ticket(kind="complaint", external_id="c-1", text="Still broken", sent_at="x")],
        secret,
    )
    assert many.json() == {"created": 1, "already_there": 1}
    complaint = Signal.objects.get(external_id="c-1")
    # The source is the webhook's own, whatever the sender leaves out.
    assert (complaint.source, complaint.account_id) == ("helpdesk", harbor.pk)
    assert WebhookReceipt.objects.filter(source=source).count() == 2


def test_it_refuses_an_unsigned_delivery(client, harbor, helpdesk):
    response = post(client, "helpdesk", ticket())
    assert response.status_code == 401
    assert response.json() == {
        "message": "Sign the body: X-Amends-Signature: sha256=<HMAC-SHA256 hex>.",
        "errors": [],
    }
    assert not Signal.objects.exists()


def test_it_refuses_a_bad_signature(client, harbor, helpdesk):
    _, secret = helpdesk
    body = json.dumps(ticket()).encode()
    for signature in (
        sign("not the secret", body),
        sign(secret, body + b" "),
        sign(secret, body).removeprefix("sha256="),
        "sha256=",
    ):
        response = post(client, "helpdesk", body, signature=signature)
        assert response.status_code == 401
        assert response.json()["message"] == "The signature does not match the body."
    assert not Signal.objects.exists()


def test_it_refuses_a_replay_of_an_accepted_delivery(client, harbor, helpdesk):
    _, secret = helpdesk
    assert post(client, "helpdesk", ticket(), secret).status_code == 200
    replay = post(client, "helpdesk", ticket(), secret)
    assert replay.status_code == 409
    assert replay.json()["message"] == "This delivery was already received."
    assert Signal.objects.count() == 1


def test_it_takes_a_refused_delivery_again_once_it_can_be_recorded(client, harbor, helpdesk):
    _, secret = helpdesk
    body = ticket(account="crm-2000", external_id="t-9")
    refused = post(client, "helpdesk", body, secret)
    assert refused.status_code == 400
    harbor.external_id = "crm-2000"
    harbor.save()
    assert post(client, "helpdesk", body, secret).status_code == 200


def test_it_answers_404_for_an_unknown_or_stopped_source(client, harbor, helpdesk):
    _, secret = helpdesk
    assert post(client, "nosuch", ticket(), secret).status_code == 404
    call_command("signals", "source", "stop", "helpdesk")
    stopped = post(client, "helpdesk", ticket(), secret)
    assert stopped.status_code == 404
    assert stopped.json()["message"] == "No such signal source."


def test_it_refuses_accounts_outside_the_sources_team(client, harbor, southern, helpdesk):
    _, secret = helpdesk
    response = post(
        client, "helpdesk", [ticket(), ticket(account="south-7", external_id="t-2")], secret
    )
    assert response.status_code == 400
    assert response.json() == {
        "message": "No signal was stored: some are not valid.",
        "errors": [{"field": "1.account", "message": "no account 'south-7' in team North"}],
    }
    assert not Signal.objects.exists()


def test_it_names_the_fields_of_a_single_bad_signal(client, harbor, helpdesk):
    _, secret = helpdesk
    response = post(client, "helpdesk", ticket(kind="nps", value=12, source="crm"), secret)
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "source", "message": "must be 'helpdesk' or left out"},
        {"field": "value", "message": "'12' is not a whole number from 0 to 10"},
    ]
    typed = post(client, "helpdesk", [ticket(at=20250301), "a string"], secret)
    assert [e["field"] for e in typed.json()["errors"]] == ["0.at", "1"]


def test_it_refuses_what_is_not_json_or_not_posted(client, helpdesk):
    _, secret = helpdesk
    not_json = post(client, "helpdesk", b"{oops", secret)
    assert not_json.status_code == 400
    assert not_json.json()["message"] == "The body is not JSON."
    empty = post(client, "helpdesk", [], secret)
    assert empty.json()["message"] == "The list holds no signals."
    got = client.get("/hooks/signals/helpdesk/")
    assert (got.status_code, got["Allow"]) == (405, "POST")


def test_it_refuses_a_signed_body_nested_too_deep(client, helpdesk):
    _, secret = helpdesk
    deep = b"[" * 100_000 + b"]" * 100_000
    response = post(client, "helpdesk", deep, secret)
    assert response.status_code == 400
    assert response.json() == {"message": "The body is nested too deep.", "errors": []}


def test_it_stops_taking_the_old_secret_once_rotated(client, harbor, helpdesk, capsys):
    _, old = helpdesk
    call_command("signals", "source", "rotate", "helpdesk")
    new = capsys.readouterr().out.strip()
    assert new and new != old
    assert SignalSource.objects.get().secret == new
    assert post(client, "helpdesk", ticket(), old).status_code == 401
    assert post(client, "helpdesk", ticket(), new).status_code == 200


def test_it_needs_no_csrf_token_nor_login(harbor, helpdesk):
    from django.test import Client

    _, secret = helpdesk
    strict = Client(enforce_csrf_checks=True)
    assert post(strict, "helpdesk", ticket(), secret).status_code == 200


def test_it_refuses_a_body_too_large_to_read(client, helpdesk, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    _, secret = helpdesk
    response = post(client, "helpdesk", [ticket(external_id=f"t-{n}") for n in range(50)], secret)
    assert response.status_code == 413
    assert response.json()["errors"] == []
