"""Reading a notice's recipient file: one streaming pass, every problem by line and
column, and nothing kept from a file with a problem.

The columns are ``email`` (required), ``name`` and ``language``; any other column
becomes a variable of the texts: ``Policy No`` is ``{{ fields.policy_no }}``. The
file is read line by line, never whole, so 65,000 rows cost the memory of one.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf.locale import LANG_INFO
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from amends.core.csvio import FileRejected, Problem

MAX_PROBLEMS = 1000
MAX_VALUE = 2000
KNOWN = ("email", "name", "language")
_NOT_A_NAME = re.compile(r"[^a-z0-9]+")
# Tabs and line breaks may stay in a value (an address on two lines); other controls not.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class RecipientsRejected(FileRejected):
    outcome = "nobody was queued"


@dataclass(frozen=True)
class RecipientRow:
    line: int
    email: str
    name: str
    language: str
    fields: dict[str, str]


def column_name(header: str) -> str:
    """``Policy No`` -> ``policy_no``: a header as the texts name it."""
    return _NOT_A_NAME.sub("_", header.strip().casefold()).strip("_")


def _lines(stream: Iterable[bytes | str]) -> Iterator[str]:
    """Text lines from a binary or text stream, decoded one at a time, so a bad byte
    is reported on its own line."""
    for number, raw in enumerate(stream, start=1):
        if isinstance(raw, str):
            yield raw.removeprefix("\ufeff") if number == 1 else raw
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            message = _("is not UTF-8 text; save the file as “CSV UTF-8” and retry")
            raise RecipientsRejected([Problem(number, "", message)]) from None
        yield text.removeprefix("\ufeff") if number == 1 else text


# ISO 639-1, with the longer codes Django knows (ast, ckb, …) and Filipino: a code
# outside these is a typo ("englsh", "xx"), not a language the notice lacks.
_ISO_639_1 = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu "
    "cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi "
    "ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks "
    "ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl "
    "nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl "
    "sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve "
    "vi vo wa wo xh yi yo za zh zu"
)
KNOWN_LANGUAGES = set(_ISO_639_1.split()) | {code.split("-")[0] for code in LANG_INFO} | {"fil"}
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


def language_normal(value: str) -> str | None:
    """``en_GB`` -> ``en-gb``; "" stays "" (the fallback text); None for no language."""
    code = value.strip().casefold().replace("_", "-")
    if not code:
        return ""
    if not _LANGUAGE.match(code) or code.split("-")[0] not in KNOWN_LANGUAGES:
        return None
    return code


class RecipientReader:
    """Iterate over the good rows of a recipient file; ``problems`` fills as it goes.
    ``used`` are the ``fields.x`` variables the texts name: columns the file must have."""

    def __init__(self, stream: Iterable[bytes | str], *, used: set[str]):
        self.stream = stream
        self.used = used
        self.problems: list[Problem] = []
        self.rows = 0

    def _header(self, reader) -> list[str]:
        try:
            raw = next(reader)
        except StopIteration:
            raw = []
        header = [column_name(name) for name in raw]
        if not any(header):
            raise RecipientsRejected(
                [Problem(1, "", _("the file is empty; the first line must name the columns"))]
            )
        problems = []
        if "email" not in header:
            problems.append(Problem(1, "email", _("required column is missing")))
        for position, name in enumerate(header):
            if not name:
                problems.append(Problem(1, raw[position], _("a column needs a name")))
            elif header.count(name) > 1 and header.index(name) == position:
                problems.append(Problem(1, name, _("column appears more than once")))
        for name in sorted(self.used - set(header)):
            message = _("the texts use {{ fields.%(name)s }}; add this column") % {"name": name}
            problems.append(Problem(1, name, message))
        if problems:
            raise RecipientsRejected(problems)
        return header

    def __iter__(self) -> Iterator[RecipientRow]:
        reader = csv.reader(_lines(self.stream), strict=True)
        seen: dict[str, int] = {}
        try:
            header = self._header(reader)
            width = len(header)
            for values in reader:
                line = reader.line_num
                if not any(value.strip() for value in values):
                    continue
                if len(values) != width:
                    more = len(values) > width
                    self._bad(
                        line,
                        "",
                        _("has more fields than the header")
                        if more
                        else _("has fewer fields than the header"),
                    )
                    continue
                row = self._check(line, dict(zip(header, values, strict=True)), seen)
                if row is not None and not self.problems:
                    self.rows += 1
                    yield row
                if len(self.problems) >= MAX_PROBLEMS:
                    self._bad(line, "", _("too many problems; stopped checking here"))
                    break
        except csv.Error as error:
            self._bad(reader.line_num, "", _("not valid CSV: %(error)s") % {"error": error})
        if not self.problems and not self.rows:
            self._bad(2, "", _("the file has a header but nobody to write to"))

    def _bad(self, line: int, column: str, message: str) -> None:
        self.problems.append(Problem(line, column, message))

    def _check(self, line: int, values: dict[str, str], seen: dict[str, int]):
        before = len(self.problems)
        email = values["email"].strip()
        if not email:
            self._bad(line, "email", _("is required"))
        else:
            try:
                validate_email(email)
                if not email.rsplit("@", 1)[0].isascii():
                    raise ValidationError(gettext("non-ASCII local part"))
            except ValidationError:
                message = _("“%(email)s” is not an email address")
                self._bad(line, "email", message % {"email": email})
            key = email.casefold()
            if key in seen:
                message = _("“%(email)s” is already on line %(line)s")
                self._bad(line, "email", message % {"email": email, "line": seen[key]})
            else:
                seen[key] = line
        name = " ".join(values.get("name", "").split())
        if len(name) > 200:
            self._bad(line, "name", _("is longer than 200 characters"))
        elif _CONTROL.search(name):
            self._bad(line, "name", _("has control characters"))
        raw_language = values.get("language", "").strip()
        language = language_normal(raw_language)
        if language is None:
            message = _("unknown language “%(language)s”; use a code such as en, pl, el or zh-hans")
            self._bad(line, "language", message % {"language": raw_language})
        fields = {}
        for column, value in values.items():
            if column in KNOWN:
                continue
            value = value.strip().replace("\r\n", "\n")
            if len(value) > MAX_VALUE:
                self._bad(line, column, _("is longer than %(n)s characters") % {"n": MAX_VALUE})
            elif _CONTROL.search(value):
                self._bad(line, column, _("has control characters"))
            fields[column] = value
        if len(self.problems) > before:
            return None
        return RecipientRow(line, email, name, language or "", fields)
