from django.db import DataError
from django.http import Http404, JsonResponse
from django.utils.cache import patch_vary_headers


class HtmxVaryMiddleware:
    """One URL answers with a whole page or, for htmx, one partial: caches must
    keep the two apart."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.htmx = request.headers.get("HX-Request") == "true"
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response


class ApiErrorShapeMiddleware:
    """Errors the API's own handlers never see (an unknown URL, a wrong method)
    still answer in the API's one error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and 400 <= response.status_code < 500
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            body = {"message": response.reason_phrase or "Request refused.", "errors": []}
            replacement = JsonResponse(body, status=response.status_code)
            if response.has_header("Allow"):
                replacement["Allow"] = response["Allow"]
            return replacement
        return response


def number_out_of_range(exception: Exception) -> bool:
    """An id or a number past what the database stores (SQLite: 64 bits; PostgreSQL:
    the column's type): nothing can have it, so it is no server error."""
    if isinstance(exception, OverflowError):
        return True
    return isinstance(exception, DataError) and "out of range" in str(exception)


class NumberOutOfRangeMiddleware:
    """/accounts/99999999999999999999999/ is a page that does not exist (404), not a
    crash. (The API answers 422 for the same; see amends/api.py.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if number_out_of_range(exception):
            raise Http404("No such page.") from exception
        return None
