"""The REST API root: authentication, and one error shape for every 4xx:

{"message": "what went wrong", "errors": [{"field": "name", "message": "…"}]}
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError
from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from amends import __version__
from amends.core.api import error_body
from amends.core.middleware import number_out_of_range
from amends.people.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = token_authenticate(secret=token)
        if user is not None:
            request.user = user
        return user


class BrowserSession(SessionAuth):
    """A signed-in browser's session, checked for CSRF. Ninja checks CSRF before it
    looks for a session, so a write with neither a token nor a session answered 403
    "CSRF" instead of 401: there is only something to protect once someone is
    signed in (a valid token has already been taken by then)."""

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


class BodyNotAnObject(ValueError):
    pass


class ObjectParser(Parser):
    """Every body is a JSON object. Ninja reads a schema's fields off any value, so
    `0` or `[]` would otherwise pass as a body with every field left out: a PATCH
    that changes nothing and answers 200."""

    def parse_body(self, request: HttpRequest):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise BodyNotAnObject
        return data


# Ninja answers 400 itself when a body can't be parsed; say so for each operation
# that takes one, in the same shape as every other error.
BODY_REFUSED = {
    "description": "The body is not JSON, or is nested too deep.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


class AmendsApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                if "application/json" in operation.get("requestBody", {}).get("content", {}):
                    operation["responses"].setdefault(400, BODY_REFUSED)
        return schema


api = AmendsApi(
    title="Amends API",
    version="1",
    description="Accounts, contacts and their timeline. Authenticate with "
    "`Authorization: Bearer <token>` (make one with `amends token create --user NAME` "
    "or on your profile page).",
    auth=[BearerToken(), BrowserSession()],
    parser=ObjectParser(),
    urls_namespace="api",
)


def _field_name(location) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "payload")]
    return ".".join(parts)


@api.exception_handler(NinjaValidationError)
def on_invalid_request(request, exc: NinjaValidationError):
    errors = [
        {"field": _field_name(error.get("loc", [])), "message": error.get("msg", "invalid")}
        for error in exc.errors
    ]
    return api.create_response(request, error_body("The request is not valid.", errors), status=422)


@api.exception_handler(ValidationError)
def on_invalid_values(request, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": "" if field == "__all__" else field, "message": message}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": "", "message": message} for message in exc.messages]
    return api.create_response(request, error_body("The values are not valid.", errors), status=422)


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def on_number_out_of_range(request, exc):
    if not number_out_of_range(exc):
        raise exc
    body = error_body("A number in the request is larger than any id or value Amends stores.")
    return api.create_response(request, body, status=422)


@api.exception_handler(MultiPartParserError)
def on_broken_upload(request, exc):
    # A multipart body Django cannot read (no boundary, headers too long): say so
    # in the API's own terms instead of Ninja's bare 400 (the API fuzzer found it).
    errors = [{"field": "body", "message": f"the upload cannot be read: {exc}"}]
    body = error_body("The request is not valid.", errors)
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    body = error_body("Authentication required: send the header Authorization: Bearer <token>.")
    return api.create_response(request, body, status=401)


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    message = str(exc) or "You may not do this."
    return api.create_response(request, error_body(message), status=403)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, error_body(str(exc) or "Not found."), status=404)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    # Ninja turns whatever the parser raised into a 400 "Cannot parse request body"
    # and keeps it as the cause: say what was wrong with the body.
    refused = exc.__cause__
    if isinstance(refused, BodyNotAnObject):
        errors = [{"field": "body", "message": "must be a JSON object"}]
        body = error_body("The request is not valid.", errors)
        return api.create_response(request, body, status=422)
    if isinstance(refused, RecursionError):
        return api.create_response(request, error_body("The body is nested too deep."), status=400)
    if isinstance(refused, ValueError):
        return api.create_response(request, error_body("The body is not JSON."), status=400)
    return api.create_response(request, error_body(str(exc)), status=exc.status_code)


@api.get("/", auth=None, tags=["meta"])
def api_root(request):
    return {"name": "Amends API", "version": __version__, "openapi": "/api/v1/openapi.json"}


from amends.accounts.api import router as accounts_router  # noqa: E402
from amends.comms.api import router as comms_router  # noqa: E402
from amends.complaints.api import router as complaints_router  # noqa: E402
from amends.customerpage.api import router as customerpage_router  # noqa: E402
from amends.health.api import router as health_router  # noqa: E402
from amends.incidents.api import router as incidents_router  # noqa: E402
from amends.insights.api import router as insights_router  # noqa: E402
from amends.mail.api import router as mail_router  # noqa: E402
from amends.notices.api import router as notices_router  # noqa: E402
from amends.parting.api import router as parting_router  # noqa: E402
from amends.recovery.api import router as recovery_router  # noqa: E402
from amends.referrals.api import router as referrals_router  # noqa: E402
from amends.search.api import router as search_router  # noqa: E402
from amends.signals.api import router as signals_router  # noqa: E402

api.add_router("/", accounts_router)
api.add_router("/", incidents_router)
api.add_router("/", recovery_router)
api.add_router("/", signals_router)
api.add_router("/", health_router)
api.add_router("/", complaints_router)
api.add_router("/", comms_router)
api.add_router("/", notices_router)
api.add_router("/", mail_router)
api.add_router("/", customerpage_router)
api.add_router("/", parting_router)
api.add_router("/", referrals_router)
api.add_router("/", insights_router)
api.add_router("/", search_router)
