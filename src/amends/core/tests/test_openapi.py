"""The OpenAPI document tells the truth: one class per schema name, each body with
its own fields, and the answers an operation can give documented."""

import enum
import typing
from collections import defaultdict

import pydantic
import pytest

from amends.api import api


def _classes_in(annotation, found: set) -> None:
    """Every model and enum a field's type names, however deep in list[...] | None."""
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _classes_in(field.annotation, found)
        return
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.add(annotation)
        return
    for argument in typing.get_args(annotation):
        _classes_in(argument, found)


def _operation_classes() -> set:
    # Ninja names each component after its class and, when two classes share a name,
    # keeps whichever it met last without a word: so look at the classes, not the
    # document, which only ever shows the survivor.
    found: set = set()
    for bound in api._get_bound_routers():
        for view in bound.path_operations.values():
            for operation in view.operations:
                for model in operation.models:
                    _classes_in(model, found)
                for model in operation.response_models.values():
                    _classes_in(model, found)
    return found


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json()


def test_it_gives_every_schema_name_in_the_openapi_document_one_class(document):
    by_name = defaultdict(set)
    for cls in _operation_classes():
        by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    shared = {name: sorted(classes) for name, classes in by_name.items() if len(classes) > 1}
    assert shared == {}
    assert set(document["components"]["schemas"]) <= set(by_name)


def _body(document, method: str, path: str) -> dict:
    ref = document["paths"][path][method]["requestBody"]["content"]["application/json"]
    name = ref["schema"]["$ref"].rsplit("/", 1)[-1]
    return document["components"]["schemas"][name]


def test_it_documents_each_body_with_its_own_fields(document):
    close = _body(document, "post", "/api/v1/cases/{case_id}/close")
    assert "outcome" in close["properties"]
    assert "outcome" in close["required"]
    assert set(_body(document, "post", "/api/v1/cases/{case_id}/parting/close")["properties"]) == {
        "note"
    }
    public = _body(document, "post", "/api/v1/feedback/{public_key}")
    assert {"name", "email", "message", "token"} <= set(public["properties"])
    assert "rating" not in public["properties"]
    exit_feedback = _body(document, "post", "/api/v1/cases/{case_id}/parting/feedback")
    assert "rating" in exit_feedback["properties"]
    signals = document["paths"]["/api/v1/signals"]["post"]["responses"]["200"]
    recorded = signals["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(document["components"]["schemas"][recorded]["properties"]) == {
        "created",
        "already_there",
    }


def test_it_documents_the_400_for_a_body_that_is_not_json(document):
    with_body = [
        (method, path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(with_body) > 20
    for method, path, operation in with_body:
        refused = operation["responses"].get("400")
        assert refused is not None, f"{method.upper()} {path} does not document its 400"
        schema = refused["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)


@pytest.mark.django_db
def test_it_documents_the_422_of_an_upload_without_a_file(client, document, people):
    client.force_login(people.agent)
    refused = client.post("/api/v1/notices/999999/recipients")
    assert refused.status_code == 422
    operation = document["paths"]["/api/v1/notices/{run_id}/recipients"]["post"]
    schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
    rejected = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    item = rejected["properties"]["errors"]["items"]["$ref"].rsplit("/", 1)[-1]
    for error in refused.json()["errors"]:
        assert set(document["components"]["schemas"][item]["required"]) <= set(error)
