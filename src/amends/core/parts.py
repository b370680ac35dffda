"""Parts of a page that a higher app contributes to a lower app's page: the account
page shows health, cases and referrals without the accounts app knowing those
apps. A higher app registers a builder in its AppConfig.ready(); the page asks
for every part registered under its name and passes them to its template."""

from collections.abc import Callable
from typing import Any

_PARTS: dict[str, dict[str, Callable[..., Any]]] = {}


def page_part(page: str, key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the builder of ``key`` on ``page``."""

    def register(build: Callable[..., Any]) -> Callable[..., Any]:
        _PARTS.setdefault(page, {})[key] = build
        return build

    return register


def page_parts(page: str, **arguments: Any) -> dict[str, Any]:
    """Every part registered for ``page``, built from the page's own arguments."""
    return {key: build(**arguments) for key, build in _PARTS.get(page, {}).items()}
