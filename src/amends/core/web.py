"""Small helpers the views of every app share."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _


def refusal_to_messages(request: HttpRequest, error: ValidationError | PermissionDenied) -> None:
    """Show a service's refusal on the next page, one message per line."""
    if isinstance(error, PermissionDenied):
        messages.error(request, str(error) or _("You may not change this."))
        return
    for text in getattr(error, "message_dict", {"": error.messages}).values():
        for line in text if isinstance(text, list) else [text]:
            messages.error(request, line)


def list_url(path: str, query: str) -> str:
    """Back to a list as it was (its filters and sort, sent along by a bulk form): a
    query string on this site's own path, never another address."""
    query = query.lstrip("?")
    return f"{path}?{query}" if query and len(query) < 2000 else path


def numbers(values: list[str]) -> list[int]:
    """The whole numbers among form values (ids of rows ticked in a list); anything
    else is left out, so a crafted value cannot raise (``"²".isdigit()`` is true)."""
    found = []
    for value in values:
        if value.isascii() and value.isdecimal() and len(value) < 19:
            found.append(int(value))
    return found
