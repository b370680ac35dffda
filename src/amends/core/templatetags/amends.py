"""Template helpers shared by every app."""

from django import template
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

from amends.core.shipped import shipped

register = template.Library()

# CommonMark with raw HTML switched off: people write post-mortems and notes in
# Markdown, and nothing they type can become markup of its own.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable("table")


@register.filter
def markdown(text: str | None) -> SafeString:
    return mark_safe(_markdown.render(text or ""))  # noqa: S308 - html is disabled above


@register.filter(name="shipped")
def shipped_filter(text: str | None) -> str | None:
    """A shipped playbook's or cause's text in the reader's language (see core.shipped)."""
    return shipped(text) if isinstance(text, str) else text


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.inclusion_tag("core/sort_header.html", takes_context=True)
def sort_header(context, label: str, name: str, sort, css: str = ""):
    """A column header that sorts its list: the first click sorts by it (ascending,
    or as the column reads best), the next reverses; the other filters stay in the URL."""
    request = context["request"]
    query = request.GET.copy()
    query.pop("page", None)
    current = sort.name == name
    query["sort"] = name if current and sort.descending else f"-{name}" if current else name
    state = "none"
    if current:  # what the rows show: the first field's direction
        state = "descending" if sort.shows_descending else "ascending"
    return {"label": label, "href": f"?{query.urlencode()}", "state": state, "css": css}
