"""A pseudo-locale for tests: every string that goes through gettext comes out with
each Latin letter swapped for an accented one ("Save" → "Šávé"), so a page rendered
in it shows at a glance, and to a test, every word that did not go through gettext.

Placeholders, tags and entities keep their letters: "%(name)s", "{count}", "<a
href=…>" and "&amp;" still work after the swap.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser

from django.utils.translation import trans_real

PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
ACCENTED = "áƀçďéƒĝĥíĵķľɱñóƥʠŕšţúṽŵẋýžÁƁÇĎÉƑĜĤÍĴĶĽṀÑÓƤɊŔŠŢÚṼŴẊÝŽ"
SWAP = str.maketrans(PLAIN, ACCENTED)
# What must keep its letters: printf and format placeholders, tags, entities.
KEEP = re.compile(
    r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr%]"  # printf placeholders
    r"|\{\{.*?\}\}|\{%.*?%\}|\{[^{}]*\}"  # template tags and format placeholders
    r"|</?(?:a|abbr|b|br|code|em|i|kbd|span|strong)\b[^>]*>"  # the tags messages hold
    r"|&#?\w+;"  # entities
)
CONTEXT = "\x04"  # how pgettext joins a context to its message


def pseudo(message: str) -> str:
    """``message`` in the pseudo-locale."""
    out, last = [], 0
    for kept in KEEP.finditer(message):
        out.append(message[last : kept.start()].translate(SWAP))
        out.append(kept.group())
        last = kept.end()
    out.append(message[last:].translate(SWAP))
    return "".join(out)


class PseudoTranslation(trans_real.DjangoTranslation):
    """Stands in for a language's catalog: every message, translated or not, comes
    out in the pseudo-locale (a message with a context loses the context, as
    pgettext expects of a translation found)."""

    def gettext(self, message: str) -> str:
        return pseudo(message.rpartition(CONTEXT)[2])

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        return pseudo((singular if number == 1 else plural).rpartition(CONTEXT)[2])


@contextmanager
def pseudo_locale(language: str = "pl") -> Iterator[None]:
    """While it lasts, ``language`` (one the settings offer, so that a person can
    choose it) speaks the pseudo-locale, in every thread of this process."""
    translations = trans_real._translations
    before = translations.get(language)
    translations[language] = PseudoTranslation(language)
    try:
        yield
    finally:
        if before is None:
            translations.pop(language, None)
        else:
            translations[language] = before


# Attributes a person reads or hears (a screen reader reads aria-label and title;
# amends.js shows data-copied once a link is copied).
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "aria-description", "data-copied"}
BUTTON_INPUTS = {"submit", "button", "reset"}
# Not the interface's words: scripts, code shown as code (template placeholders), and
# the text of a field, which is the person's or the customer's.
UNSEEN = {"script", "style", "template", "code", "kbd", "samp", "textarea"}


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.unseen = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in UNSEEN:
            self.unseen += 1
        values = dict(attrs)
        for name in READ_ATTRIBUTES & values.keys():
            self.texts.append(values[name] or "")
        if tag == "input" and values.get("type") in BUTTON_INPUTS:
            self.texts.append(values.get("value") or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in UNSEEN:
            self.unseen -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in UNSEEN and self.unseen:
            self.unseen -= 1

    def handle_data(self, data: str) -> None:
        if not self.unseen and data.strip():
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    """The text a person reads or hears on a page: text outside scripts and styles,
    and the attributes read out (titles, placeholders, labels, button values)."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return [" ".join(text.split()) for text in parser.texts if text.strip()]


# A run of two or more Latin letters: a word no gettext went through.
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Not words: addresses, links, file names, codes and numbers with letters.
NOT_WORDS = re.compile(
    r"\w*…"  # a word cut short to fit
    r"|\{\{.*?\}\}"  # a template placeholder named in a sentence
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|(?:https?://|/)[^\s\"'<>]*"  # links and paths
    r"|\b[\w-]+\.(?:csv|ics|txt|pdf|eml|json)\b"  # file names
    r"|\b[A-Z]{3}\b"  # currency codes
    r"|\b\d+[A-Za-z]{1,2}\b"  # 3h, 12px, 2d
)


def untranslated(texts: list[str], data_words: set[str]) -> list[str]:
    """Texts with a Latin word that is neither data nor a code."""
    found = []
    for text in texts:
        words = LATIN_WORD.findall(NOT_WORDS.sub(" ", text))
        if any(word.lower() not in data_words for word in words):
            found.append(text)
    return found
