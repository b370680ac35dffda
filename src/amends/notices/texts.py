"""A notice's texts: checked and rendered in the one sandbox for text a user writes
(amends.core.sandbox), one per language, the first language the fallback."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from amends.accounts.models import language_code
from amends.core.sandbox import RenderError, text_compile, text_render

_TAG_OR_VARIABLE = re.compile(r"\{[{%].*?[%}]\}", re.DOTALL)
_FIELD = re.compile(r"\bfields\.(\w+)")


def texts_used_fields(texts: dict) -> set[str]:
    """The file columns the texts name as {{ fields.x }}."""
    used = set()
    for text in texts.values():
        for source in (text["subject"], text["body"]):
            for tag in _TAG_OR_VARIABLE.findall(source):
                used.update(_FIELD.findall(tag))
    return used


def texts_clean(texts: Any) -> dict[str, dict[str, str]]:
    """Check texts ({language: {subject, body}}, the first the fallback) and return
    them tidied; a ValidationError names the language and the part at fault."""
    if not isinstance(texts, dict) or not texts:
        raise ValidationError({"texts": _("Write the notice in at least one language.")})
    cleaned: dict[str, dict[str, str]] = {}
    errors: dict[str, list[str]] = {}
    for raw_code, text in texts.items():
        code = str(raw_code).strip().casefold()
        try:
            language_code(code)
        except ValidationError as error:
            errors[f"texts.{raw_code}"] = error.messages
            continue
        if code in cleaned:
            errors[f"texts.{code}"] = [_("This language appears twice.")]
            continue
        text = text if isinstance(text, dict) else {}
        subject = " ".join(str(text.get("subject") or "").split())
        body = str(text.get("body") or "").replace("\r\n", "\n").strip()
        for part, value, limit in (("subject", subject, 300), ("body", body, 100_000)):
            key = f"texts.{code}.{part}"
            if not value:
                errors[key] = [_("This is required.")]
            elif len(value) > limit:
                errors[key] = [_("This is longer than %(n)s characters.") % {"n": limit}]
            else:
                try:
                    text_render(text_compile(value), _sample_values(value))
                except RenderError as error:
                    errors[key] = [_("This text has a mistake: %(error)s") % {"error": error}]
        cleaned[code] = {"subject": subject, "body": body}
    if errors:
        raise ValidationError(errors)
    return cleaned


def _sample_values(source: str) -> dict:
    """Made-up values for the names a text uses: a text that cannot render even
    with them (too long, loops without end) is refused when it is written."""
    used = {name for tag in _TAG_OR_VARIABLE.findall(source) for name in _FIELD.findall(tag)}
    return {
        "name": "Joanna Nowak",
        "email": "joanna@example.com",
        "fields": {name: "sample" for name in used},
    }


class Letters:
    """Each language's subject and body, compiled once, rendered per recipient in
    their language: ``pt-br`` takes a ``pt-br`` text, else a ``pt`` one, else the first."""

    def __init__(self, texts: dict):
        self.compiled = {
            code: (text_compile(t["subject"]), text_compile(t["body"])) for code, t in texts.items()
        }
        self.fallback = next(iter(self.compiled))
        self.chosen: dict[str, str] = {}

    def text_for(self, language: str) -> str:
        if language not in self.chosen:
            primary = language.split("-")[0]
            same = [code for code in self.compiled if code.split("-")[0] == primary]
            exact = language if language in self.compiled else None
            self.chosen[language] = (
                exact
                or (primary if primary in self.compiled else None)
                or (same[0] if same else self.fallback)
            )
        return self.chosen[language]

    def render(self, *, email: str, name: str, language: str, fields: dict) -> tuple[str, str]:
        subject, body = self.compiled[self.text_for(language)]
        values = {"name": name, "email": email, "fields": fields}
        return " ".join(text_render(subject, values).split()), text_render(body, values)
