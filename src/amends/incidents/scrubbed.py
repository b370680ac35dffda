"""The scrubbed text of a post-mortem, and how it is rendered with its placeholders.

The scrubbed text is still Markdown, and it is rendered like the rest. While being
rendered, each replacement is a token of private-use characters, which mean
nothing to Markdown (unlike "[a customer]: …", a link definition that would
swallow the line); the placeholders go in at the end, escaped, highlighted for the
author if asked. The characters of those tokens are removed from the author's
text first, so none can be forged.
"""

import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import quote

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

# A replacement is written "\ue000", its index in private-use digits, "\ue001".
RESERVED = re.compile("[\ue000-\ue01f]")
TOKEN = re.compile("\ue000([\ue010-\ue019]+)\ue001")
TOKEN_PART = re.compile("(\ue000[\ue010-\ue019]+\ue001)")
TAG = re.compile(r"(<[^>]*>)")
URL_ATTRIBUTE = re.compile(r'\b(href|src)="([^"]*)"')


def _token(index: int) -> str:
    return "\ue000" + "".join(chr(0xE010 + int(d)) for d in str(index)) + "\ue001"


def _index(match: re.Match) -> int:
    return int("".join(str(ord(c) - 0xE010) for c in match[1]))


def _keeping_tokens(normalize):
    """Markdown would percent-encode a token in a link, or even turn it into a
    punycode host name; keep it as it is so that its placeholder can go in."""

    def normalized(url: str) -> str:
        return "".join(
            part if TOKEN_PART.fullmatch(part) else normalize(part)
            for part in TOKEN_PART.split(url)
            if part
        )

    return normalized


# The Markdown of the `markdown` template filter: CommonMark and tables, raw HTML off.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable("table")
_markdown.normalizeLink = _keeping_tokens(_markdown.normalizeLink)
_markdown.normalizeLinkText = _keeping_tokens(_markdown.normalizeLinkText)


@dataclass(frozen=True)
class Replacement:
    original: str
    placeholder: str


@dataclass(frozen=True)
class Scrubbed:
    marked: str
    replacements: tuple[Replacement, ...]

    def __bool__(self) -> bool:
        return bool(self.marked.strip())

    def _placeholder(self, match: re.Match) -> str:
        return self.replacements[_index(match)].placeholder

    def _highlight(self, match: re.Match) -> str:
        replacement = self.replacements[_index(match)]
        return format_html(
            '<mark class="scrubbed" title="{}">{}</mark>',
            replacement.original,
            replacement.placeholder,
        )

    @cached_property
    def text(self) -> str:
        """The public text, not yet escaped."""
        return TOKEN.sub(self._placeholder, self.marked)

    @cached_property
    def highlighted_text(self) -> SafeString:
        parts = TOKEN_PART.split(self.marked)
        return mark_safe(  # noqa: S308 - every part is escaped here or in _highlight
            "".join(
                self._highlight(TOKEN.fullmatch(p)) if TOKEN.fullmatch(p) else escape(p)
                for p in parts
            )
        )

    def _html(self, *, highlight: bool) -> SafeString:
        def in_url(match: re.Match) -> str:
            return quote(self._placeholder(match), safe="")

        def in_text(match: re.Match) -> str:
            if highlight:
                return self._highlight(match)
            return escape(self._placeholder(match))

        pieces = TAG.split(_markdown.render(self.marked))
        for i, piece in enumerate(pieces):
            if i % 2:  # a tag: its attributes are escaped by Markdown, the tokens here
                piece = URL_ATTRIBUTE.sub(lambda a: f'{a[1]}="{TOKEN.sub(in_url, a[2])}"', piece)
                pieces[i] = TOKEN.sub(lambda m: escape(self._placeholder(m)), piece)
            else:
                pieces[i] = TOKEN.sub(in_text, piece)
        return mark_safe(RESERVED.sub("", "".join(pieces)))  # noqa: S308 - html is off, all escaped

    @cached_property
    def html(self) -> SafeString:
        """The public text, rendered from Markdown."""
        return self._html(highlight=False)

    @cached_property
    def highlighted_html(self) -> SafeString:
        """The same, with each placeholder marked and its original in a tooltip."""
        return self._html(highlight=True)


def replaced_in(*texts: Scrubbed) -> list[Replacement]:
    """Each original once, in the order first met: the preview's legend."""
    seen: dict[tuple[str, str], Replacement] = {}
    for scrubbed in texts:
        for r in scrubbed.replacements:
            seen.setdefault((" ".join(r.original.split()).casefold(), r.placeholder), r)
    return list(seen.values())
