"""The API's one error shape, shared by every app's endpoints:

{"message": "what went wrong", "errors": [{"field": "name", "message": "…"}]}
"""

from ninja import Schema


class ErrorItem(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    message: str
    errors: list[ErrorItem]


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def error_body(message: str, errors: list[dict] | None = None) -> dict:
    return {"message": message, "errors": errors or []}
