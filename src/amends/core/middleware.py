from django.http import JsonResponse
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
