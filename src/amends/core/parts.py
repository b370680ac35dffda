"""Parts of a page that a higher app contributes to a lower app's page: the account
page shows health, cases and referrals without the accounts app knowing those
apps. A higher app registers a builder in its AppConfig.ready(); the page asks
for every part registered under its name and passes them to its template.

A part registered with a ``template`` is also a panel: the page includes the
panels' templates, in their ``order``, where it lists ``panels``; each template
reads its part's data under the part's key. No template names another app's."""

from collections.abc import Callable
from typing import Any

_PARTS: dict[str, dict[str, Callable[..., Any]]] = {}
_PANELS: dict[str, dict[str, tuple[int, str]]] = {}


def page_part(
    page: str, key: str, *, template: str | None = None, order: int = 50
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the builder of ``key`` on ``page``."""

    def register(build: Callable[..., Any]) -> Callable[..., Any]:
        _PARTS.setdefault(page, {})[key] = build
        if template is not None:
            _PANELS.setdefault(page, {})[key] = (order, template)
        return build

    return register


def page_parts(page: str, **arguments: Any) -> dict[str, Any]:
    """Every part registered for ``page``, built from the page's own arguments, and
    ``panels``: the templates of those that are panels, in order."""
    parts = {key: build(**arguments) for key, build in _PARTS.get(page, {}).items()}
    parts["panels"] = [template for _, template in sorted(_PANELS.get(page, {}).values())]
    return parts
