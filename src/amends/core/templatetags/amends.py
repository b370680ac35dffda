"""Template helpers shared by every app."""

from django import template
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

register = template.Library()

# CommonMark with raw HTML switched off: people write post-mortems and notes in
# Markdown, and nothing they type can become markup of its own.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable("table")


@register.filter
def markdown(text: str | None) -> SafeString:
    return mark_safe(_markdown.render(text or ""))  # noqa: S308 - html is disabled above


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
