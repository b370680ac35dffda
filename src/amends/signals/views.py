"""The webhook: other systems post signals, signed with their source's secret.

    POST /hooks/signals/<source slug>/
    X-Amends-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret>

The body is one signal or a list of up to 1,000, in the API's item shape. A
signature is accepted once: the same delivery again is answered 409.
"""

import json
from decimal import Decimal

import pydantic
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from amends.core.api import error_body
from amends.signals.api import SignalIn, item_texts
from amends.signals.selectors import signal_source_for_webhook
from amends.signals.services import (
    MAX_ITEMS,
    SignalsRejected,
    WebhookRefused,
    webhook_deliver,
    webhook_source_verify,
)

SIGNATURE_HEADER = "X-Amends-Signature"


def _refuse(status: int, message: str, errors: list[dict] | None = None) -> JsonResponse:
    return JsonResponse(error_body(message, errors), status=status)


def _field(index: int, column: str, many: bool) -> str:
    return ".".join(str(part) for part in ([index] if many else []) + ([column] if column else []))


def _items(body: bytes) -> tuple[list[dict[str, str]], bool]:
    """The delivery's signals as text, and whether it was a list; or SignalsRejected."""
    try:
        data = json.loads(body, parse_float=Decimal)
    except ValueError:
        raise WebhookRefused(400, "The body is not JSON.") from None
    except RecursionError:  # a signed sender can still nest [[[…]]] past the parser's stack
        raise WebhookRefused(400, "The body is nested too deep.") from None
    many = isinstance(data, list)
    objects = data if many else [data]
    if not objects:
        raise WebhookRefused(400, "The list holds no signals.")
    if len(objects) > MAX_ITEMS:
        raise WebhookRefused(400, f"At most {MAX_ITEMS:,} signals at a time.")
    items, problems = [], []
    for index, obj in enumerate(objects):
        if not isinstance(obj, dict):
            problems.append((index, "", "is not a JSON object"))
            continue
        try:
            items.append(item_texts(SignalIn.model_validate(obj).dict()))
        except pydantic.ValidationError as invalid:
            for error in invalid.errors():
                column = ".".join(str(part) for part in error["loc"])
                problems.append((index, column, error["msg"]))
    if problems:
        raise SignalsRejected(problems)
    return items, many


@csrf_exempt
def webhook_view(request: HttpRequest, slug: str) -> JsonResponse:
    if request.method != "POST":
        response = _refuse(405, "Send signals with POST.")
        response["Allow"] = "POST"
        return response
    many = True
    try:
        body = request.body
    except RequestDataTooBig:
        return _refuse(413, "The body is too large: send fewer signals at a time.")
    try:
        source = signal_source_for_webhook(slug=slug)
        digest = webhook_source_verify(
            source=source, signature=request.headers.get(SIGNATURE_HEADER, ""), body=body
        )
        items, many = _items(body)
        result = webhook_deliver(source=source, digest=digest, items=items)
    except WebhookRefused as refused:
        return _refuse(refused.status, str(refused))
    except SignalsRejected as rejected:
        errors = [
            {"field": _field(index, column, many), "message": message}
            for index, column, message in rejected.problems
        ]
        return _refuse(400, "No signal was stored: some are not valid.", errors)
    return JsonResponse({"created": result.created, "already_there": result.already_there})
