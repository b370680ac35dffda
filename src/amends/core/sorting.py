"""Sortable lists: ``?sort=name`` or ``?sort=-name`` in the URL, so a sorted list
can be bookmarked and shared. Each list names the keys it offers and the fields
(ending in a unique one) each key orders by; a field that may be empty (an account
not scored yet, a case with no step left) is named in ``nulls_last``, and its empty
rows come last either way, on SQLite and PostgreSQL alike."""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import F


@dataclass(frozen=True)
class Sort:
    key: str  # what the URL says: "value" or "-value"
    order: list[Any]  # the ORDER BY: field names, or expressions for the nullable ones
    # Whether the rows read downwards from the largest (what the header shows).
    shows_descending: bool

    @property
    def name(self) -> str:
        return self.key.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.key.startswith("-")


def _flip(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


def _ordered(field: str, nulls_last: Collection[str]) -> Any:
    name = field.lstrip("-")
    if name not in nulls_last:
        return field
    return F(name).desc(nulls_last=True) if field.startswith("-") else F(name).asc(nulls_last=True)


def sort_from(
    asked: str | None,
    offered: dict[str, list[str]],
    default: str,
    *,
    nulls_last: Collection[str] = (),
) -> Sort:
    """The sort the URL asks for if the list offers it, else the list's own."""
    key = (asked or "").strip() or default
    name = key.lstrip("-")
    if name not in offered:
        key, name = default, default.lstrip("-")
    fields = offered[name]
    if key.startswith("-"):
        fields = [_flip(f) for f in fields]
    return Sort(
        key=key,
        order=[_ordered(f, nulls_last) for f in fields],
        shows_descending=fields[0].startswith("-"),
    )
