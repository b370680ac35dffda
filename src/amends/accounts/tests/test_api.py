import pytest
from django.test import Client

from amends.accounts.models import Account
from amends.people.services import token_create
from amends.timeline.models import Event


@pytest.fixture
def api(client, people):
    secret = token_create(user=people.agent, name="test").secret

    class Api:
        def __call__(self, method, url, body=None, **extra):
            return getattr(client, method)(
                url,
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {secret}",
                **extra,
            )

    return Api()


@pytest.mark.django_db
def test_it_creates_reads_updates_an_account_and_records_it(api, people):
    created = api(
        "post",
        "/api/v1/accounts",
        {
            "name": "Αιγαίο Τυπογραφία Α.Ε.",
            "team": "north",
            "owner": "alex",
            "annual_value": "45000.50",
            "currency": "eur",
            "language": "el",
            "external_id": "erp-77",
            "source": "erp",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["currency"] == "EUR"
    assert body["annual_value"] == "45000.50"
    assert body["owner"] == "alex"
    account_id = body["id"]

    read = api("get", f"/api/v1/accounts/{account_id}")
    assert read.json()["name"] == "Αιγαίο Τυπογραφία Α.Ε."

    updated = api(
        "patch", f"/api/v1/accounts/{account_id}", {"lifecycle": "at_risk", "owner": None}
    )
    assert updated.status_code == 200
    assert updated.json()["lifecycle"] == "at_risk"
    assert updated.json()["owner"] is None

    timeline = api("get", f"/api/v1/accounts/{account_id}/timeline").json()
    assert [item["action"] for item in timeline["items"]] == ["account.updated", "account.created"]
    latest = timeline["items"][0]
    assert latest["via"] == "api"
    assert latest["actor"] == "alex"
    assert latest["before"] == {"owner": "alex", "lifecycle": "active"}
    assert latest["after"] == {"owner": None, "lifecycle": "at_risk"}


@pytest.mark.django_db
def test_it_refuses_a_second_account_with_the_same_external_id(api):
    first = {"name": "One", "team": "north", "external_id": "x-1", "source": "erp"}
    assert api("post", "/api/v1/accounts", first).status_code == 201
    again = api("post", "/api/v1/accounts", {**first, "name": "Two"})
    assert again.status_code == 422
    assert again.json()["message"] == "The values are not valid."
    assert Account.objects.filter(external_id="x-1").count() == 1


@pytest.mark.django_db
def test_it_lists_with_filters_search_and_pages(api, people):
    from amends.accounts.services import account_create
    from amends.timeline.services import Actor

    actor = Actor.system()
    for number in range(30):
        account_create(
            actor=actor,
            team=people.north,
            name=f"Ζήτα {number:02d}" if number % 3 == 0 else f"Account {number:02d}",
            lifecycle="at_risk" if number % 5 == 0 else "active",
        )
    page = api("get", "/api/v1/accounts?page_size=10&page=2").json()
    assert (page["count"], page["page"], page["pages"], len(page["items"])) == (30, 2, 3, 10)
    assert page["items"][0]["name"] == "Account 16"
    at_risk = api("get", "/api/v1/accounts?lifecycle=at_risk&page_size=50").json()
    assert at_risk["count"] == 6
    # Search folds case beyond ASCII: ζήτα finds Ζήτα.
    greek = api("get", "/api/v1/accounts?q=ζήτα").json()
    assert greek["count"] == 10
    assert api("get", "/api/v1/accounts?team=north").json()["count"] == 30


@pytest.mark.django_db
def test_it_manages_contacts(api, account):
    created = api(
        "post",
        f"/api/v1/accounts/{account.pk}/contacts",
        {
            "name": "Piotr Zieliński",
            "email": "piotr@harbor.example",
            "language": "pl",
        },
    )
    assert created.status_code == 201
    contact_id = created.json()["id"]
    changed = api("patch", f"/api/v1/contacts/{contact_id}", {"is_decision_maker": True})
    assert changed.json()["is_decision_maker"] is True
    names = [c["name"] for c in api("get", f"/api/v1/accounts/{account.pk}/contacts").json()]
    assert names == ["Joanna Nowak", "Piotr Zieliński"]
    assert api("delete", f"/api/v1/contacts/{contact_id}").status_code == 204
    assert Event.objects.filter(action="contact.removed", subject_id=contact_id).exists()


def assert_error_shape(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert isinstance(body["message"], str) and body["message"]
    for error in body["errors"]:
        assert set(error) == {"field", "message"}
    return body


@pytest.mark.django_db
def test_it_answers_every_client_error_in_one_shape(client, api, account, people):
    assert_error_shape(client.get("/api/v1/accounts"), 401)
    assert_error_shape(client.get("/api/v1/accounts", HTTP_AUTHORIZATION="Bearer amd_nope"), 401)
    assert_error_shape(api("get", "/api/v1/accounts/999999"), 404)
    assert_error_shape(api("get", "/api/v1/no-such-thing"), 404)
    assert_error_shape(api("put", f"/api/v1/accounts/{account.pk}", {}), 405)
    invalid = assert_error_shape(
        api("post", "/api/v1/accounts", {"team": "north", "kind": "robot"}), 422
    )
    assert {e["field"] for e in invalid["errors"]} == {"name", "kind"}
    bad_value = assert_error_shape(
        api("patch", f"/api/v1/accounts/{account.pk}", {"currency": "EURO"}), 422
    )
    assert {"field": "currency", "message": "Use a three-letter currency code such as EUR."} in (
        bad_value["errors"]
    )
    bad_page = assert_error_shape(api("get", "/api/v1/accounts?page=0"), 422)
    assert bad_page["errors"][0]["field"] == "page"
    assert_error_shape(api("patch", f"/api/v1/accounts/{account.pk}", {"name": None}), 422)
    assert_error_shape(api("post", "/api/v1/accounts", "{not json"), 400)
    viewer_token = token_create(user=people.viewer, name="t").secret
    forbidden = client.patch(
        f"/api/v1/accounts/{account.pk}",
        {"name": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {viewer_token}",
    )
    assert_error_shape(forbidden, 403)


@pytest.mark.django_db
def test_it_refuses_a_json_body_that_is_not_an_object(api, account):
    contact = account.contacts.get()
    writes = [
        ("patch", f"/api/v1/accounts/{account.pk}"),
        ("patch", f"/api/v1/contacts/{contact.pk}"),
        ("post", "/api/v1/accounts"),
        ("post", f"/api/v1/accounts/{account.pk}/contacts"),
    ]
    for body in ["0", "[]", '"Harbor"', "null", "true"]:
        for method, url in writes:
            refused = assert_error_shape(api(method, url, body), 422)
            assert refused["errors"] == [{"field": "body", "message": "must be a JSON object"}]
    account.refresh_from_db()
    assert account.name == "Harbor Printing Ltd"


@pytest.mark.django_db
def test_it_says_why_a_body_could_not_be_read(api, account):
    url = f"/api/v1/accounts/{account.pk}"
    not_json = assert_error_shape(api("patch", url, "{not json"), 400)
    assert not_json["message"] == "The body is not JSON."
    deep = assert_error_shape(api("patch", url, "[" * 100_000 + "]" * 100_000), 400)
    assert deep["message"] == "The body is nested too deep."


@pytest.mark.django_db
def test_it_answers_401_to_anonymous_writes_and_checks_csrf_only_for_sessions(people, account):
    strict = Client(enforce_csrf_checks=True)
    url = f"/api/v1/accounts/{account.pk}"

    def patch(name, **extra):
        return strict.patch(url, {"name": name}, content_type="application/json", **extra)

    assert_error_shape(patch("Nobody"), 401)
    secret = token_create(user=people.agent, name="t").secret
    assert patch("By token", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    strict.force_login(people.agent)
    assert_error_shape(patch("By cookie, no CSRF"), 403)
    csrf = "a" * 32
    strict.cookies["csrftoken"] = csrf
    assert patch("By cookie", HTTP_X_CSRFTOKEN=csrf).status_code == 200
    account.refresh_from_db()
    assert account.name == "By cookie"


@pytest.mark.django_db
def test_it_publishes_its_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Amends API"
    assert "/api/v1/accounts" in schema["paths"]
    assert "/api/v1/accounts/{account_id}/timeline" in schema["paths"]


@pytest.mark.parametrize(
    ("path", "statuses"),
    [
        ("/api/v1/accounts/99999999999999999999999", {404}),
        # SQLite cannot hold the number (422); PostgreSQL compares it and finds nothing.
        ("/api/v1/complaints?account_id=-2002999382476238478114816", {200, 422}),
        ("/api/v1/cases/99999999999999999999999", {404}),
    ],
)
def test_it_refuses_a_number_past_what_the_database_stores(call, path, statuses):
    response = call("get", path)
    assert response.status_code in statuses, response.content
    if response.status_code == 200:
        assert response.json()["items"] == []
    else:
        assert response.json()["message"]


def test_a_web_page_for_an_id_past_what_the_database_stores_is_not_found(client, people):
    client.force_login(people.agent)
    assert client.get("/accounts/99999999999999999999999/").status_code == 404
    assert client.get("/cases/99999999999999999999999/").status_code == 404
