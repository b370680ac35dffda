"""Sortable lists: ``?sort=name`` or ``?sort=-name`` in the URL, so a sorted list
can be bookmarked and shared. Each list names the keys it offers and the fields
(ending in a unique one) each key orders by."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Sort:
    key: str  # what the URL says: "value" or "-value"
    order: list[str]  # the ORDER BY

    @property
    def name(self) -> str:
        return self.key.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.key.startswith("-")


def _flip(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


def sort_from(asked: str | None, offered: dict[str, list[str]], default: str) -> Sort:
    """The sort the URL asks for if the list offers it, else the list's own."""
    key = (asked or "").strip() or default
    name = key.lstrip("-")
    if name not in offered:
        key, name = default, default.lstrip("-")
    fields = offered[name]
    return Sort(key=key, order=[_flip(f) for f in fields] if key.startswith("-") else fields)
