"""What a published post-mortem must not say: the names of the affected accounts and
of their contacts, e-mail addresses and phone numbers. Each is replaced by a neutral
placeholder in the reader's language ("[a customer]", "[a person]", …).

The rules err on the side of hiding. A word scrubbed that needn't have been costs
a little readability, and the author sees it highlighted in the preview before
publishing and can reword; a name that slips through is invisible there and
public for good. So matching ignores case and accents ("alice", "ALICE", "Álice"),
and every distinctive word of a name is scrubbed on its own, not only the full name.

Names are matched as whole words, longest first: "Brightline Logistics" is one
"[a customer]", not two. What counts as a name:

- an account: its full name; its name without the legal form ("GmbH", "Ltd",
  "Sp. z o.o.", the Greek "A.E.", "有限公司" …); and each run of its words that starts and
  ends with a real word ("The", "and", "de" never do) and holds a distinctive one:
  not a trade word such as "Logistics" or "Printing" that says nothing of who the
  customer is, and at least three letters long. So "Brightline Logistics GmbH"
  gives "Brightline Logistics" and "Brightline", but not "Logistics" alone.
- a contact: the full name, both ways round ("Moreau Alice"), and each run of its
  words the same way, so the first and the last name each on their own; two
  letters are enough for a person's name ("Li", "Wu"), titles such as "Dr" are not.
- Chinese, Japanese and Korean are written without spaces, so no word boundary
  can be found there: a name in those scripts is searched for as it is written,
  anywhere in the text, in full and without its legal form. Its parts are not
  guessed at; a single character (a family name such as 王) would also hide
  ordinary words.

E-mail addresses are scrubbed wherever they appear, and so are phone numbers:
"+30 210 123 4567", "(030) 1234-5678", "0048 22 123 45 67", "600 123 456". A number
is taken for a phone when it has 7 to 15 digits and is not a date, a year or a
range of years, an amount written in thousands, or an IP address; a run of digits
with no separators counts only after "+" or a leading 0 (otherwise it is an
order or an invoice number), unless it is the number of one of the contacts.

The scrubbed text is still Markdown, and it is rendered like the rest: how the
placeholders go in without Markdown reading them is told in ``scrubbed.py``.
"""

import itertools
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from django.utils.translation import gettext

from amends.incidents.scrubbed import RESERVED, Replacement, Scrubbed, _token

CUSTOMER = "customer"
PERSON = "person"
EMAIL = "email"
PHONE = "phone"


def _placeholder(kind: str) -> str:
    return {
        CUSTOMER: gettext("[a customer]"),
        PERSON: gettext("[a person]"),
        EMAIL: gettext("[e-mail address]"),
        PHONE: gettext("[phone number]"),
    }[kind]


# -- names -----------------------------------------------------------------------

WORD = re.compile(r"[^\W_]+")
# What may stand between two words of one name in the text: spaces and one line
# break, or one of the marks found inside names (Jean-Pierre, O'Brien, S.A.).
GAP = re.compile(r"[ \t\u00a0]*(?:[-‐'’.&/]|\r?\n)?[ \t\u00a0]*")
CJK = re.compile(
    r"[\u1100-\u11ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    """Case and accents do not matter: "Łódź", "LODZ" and "lodz" are one word."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.casefold().replace("ł", "l").replace("ø", "o").replace("đ", "d")


def _bare(word: str) -> str:
    """A word folded, without its dots and other marks: "Dr." is "dr", "S.A." is "sa"."""
    return "".join(WORD.findall(_fold(word)))


def _folded(words: str) -> frozenset[str]:
    return frozenset(_fold(w) for w in words.split())


# Words that never name anyone on their own, in the languages of the product.
FUNCTION_WORDS = _folded(
    """
    a an and or of for in on at to by with the
    der die das und von vom zu zum zur im am
    de la le les du des et au aux en
    van den het
    el los las y del
    da do dos di della e
    w z i oraz na dla
    ο η το οι τα του της των και στο στη στην
    mr mrs ms miss dr prof herr frau pan pani κ κα ing mgr
    """
)
# Words of a company's name that say what it does, not who it is.
TRADE_WORDS = _folded(
    """
    logistics logistik logistyka printing print druck druk foods food bakery
    services service solutions group gruppe grupa holding holdings international
    global systems technologies technology tech consulting partners trading handel
    industries industry bank hotel hotels software digital media energy transport
    healthcare health pharma insurance capital finance financial retail stores store
    shop market markets supplies supply manufacturing engineering construction bau
    products enterprises associates brothers sons europe european polska polski
    north south east west central city national united general new first royal
    clinic school university restaurant cafe studio agency lab labs network
    networks data cloud electric motors automotive airlines express post office
    farm farms usługi dienstleistungen εταιρεία όμιλος
    """
)
# Legal forms, compared without dots, slashes or case: "S.A." is "sa", "A/S" is "as".
LEGAL_FORMS = _folded(
    """
    gmbh mbh ag kg kgaa ohg ug ev eg se ltd limited plc llp lp llc inc incorporated
    corp corporation co company cie sa sas sarl srl spa snc sl slu bv nv vof oy oyj
    ab as asa aps sp z oo spzoo spz spj spk ska sc pty pvt ae epe ike oe ee kft zrt
    sro doo ooo jsc bhd sdn kk and und et y i
    """
)
CJK_LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "有限責任公司",
    "有限公司",
    "股份公司",
    "集团",
    "集團",
    "公司",
    "株式会社",
    "有限会社",
    "주식회사",
)


# Greek and Polish decline names: Papadakis is "Papadaki" after "tou"; "Kowalski",
# "firmy Kowalskiego", "z Łukaszem". A word of a name (five letters or more) also
# matches with its ending changed to one of these (folded, so "ą" is "a").
ENDINGS = {
    "latin": _folded("a e i o u y em om ie ego emu iego iemu im ym ej iej owi ow ach ami") | {""},
    "greek": _folded("σ οσ ου ο ε ησ η ασ α εσ ων ουσ οι ι ιου ιοσ ια") | {""},
}
LATIN = re.compile(r"[a-z]")
GREEK = re.compile(r"[Ͱ-Ͽ]")


def _endings(folded: str) -> frozenset[str]:
    if GREEK.search(folded):
        return ENDINGS["greek"]
    return ENDINGS["latin"] if LATIN.search(folded) else frozenset({""})


def _stems(folded: str) -> set[str]:
    return {
        folded[: len(folded) - len(e)]
        for e in _endings(folded)
        if folded.endswith(e) and len(folded) - len(e) >= 4
    }


def _legal(word: str) -> bool:
    return word == "&" or _bare(word) in LEGAL_FORMS


def _without_legal_form(words: list[str]) -> list[str]:
    core = list(words)
    while len(core) > 1 and _legal(core[-1]):
        core.pop()
    return core


def _runs(words: list[str]) -> Iterable[list[str]]:
    for start in range(len(words)):
        for end in range(len(words), start, -1):
            yield words[start:end]


class Scrubber:
    """The names of one incident's accounts and contacts, ready to be taken out of
    any number of texts."""

    def __init__(
        self,
        *,
        customers: Iterable[str] = (),
        people: Iterable[str] = (),
        phones: Iterable[str] = (),
    ) -> None:
        self._phrases: dict[tuple[str, ...], str] = {}
        self._cjk: dict[str, str] = {}
        self._stems: dict[str, str] = {}
        for name in customers:
            self._add_customer(name)
        for name in people:
            self._add_person(name)
        self._longest = max(map(len, self._phrases), default=0)
        self._cjk_pattern = None
        if self._cjk:
            ordered = sorted(self._cjk, key=len, reverse=True)
            self._cjk_pattern = re.compile(
                "|".join(r"\s*".join(map(re.escape, phrase)) for phrase in ordered), re.IGNORECASE
            )
        digits = (re.sub(r"\D", "", p) for p in phones)
        self._phones = {d[-9:] for d in digits if len(d) >= 7}

    def _add(self, words: list[str], kind: str) -> None:
        if any(CJK.search(w) for w in words):
            phrase = "".join(words)
            if len(phrase) >= 2:
                self._cjk.setdefault(phrase.casefold(), kind)
            return
        key = tuple(_fold(t) for w in words for t in WORD.findall(w))
        if key and len("".join(key)) >= 2:
            self._phrases.setdefault(key, kind)
        if len(key) == 1 and len(key[0]) >= 5:
            for stem in _stems(key[0]):
                self._stems.setdefault(stem, kind)

    def _add_named_runs(self, words: list[str], kind: str, distinctive) -> None:
        for run in _runs(words):
            ends = (_bare(run[0]), _bare(run[-1]))
            if any(not e or e in FUNCTION_WORDS for e in ends):
                continue
            if any(distinctive(w) for w in run):
                self._add(run, kind)

    def _add_customer(self, name: str) -> None:
        words = name.split()
        if not words:
            return
        self._add(words, CUSTOMER)
        core = _without_legal_form(words)
        if any(CJK.search(w) for w in words):
            joined = "".join(core)
            for form in CJK_LEGAL_FORMS:
                joined = joined.removeprefix(form).removesuffix(form)
            self._add([joined], CUSTOMER)
            return

        def distinctive(word: str) -> bool:
            bare = _bare(word)
            return len(bare) >= 3 and bare not in FUNCTION_WORDS and bare not in TRADE_WORDS

        self._add_named_runs(core, CUSTOMER, distinctive)

    def _add_person(self, name: str) -> None:
        words = name.split()
        if not words:
            return
        self._add(words, PERSON)
        if any(CJK.search(w) for w in words):
            for word in words:
                self._add([word], PERSON)
            return
        names = [w for w in words if _bare(w) and _bare(w) not in FUNCTION_WORDS]
        if len(names) >= 2:
            self._add([names[-1], *names[:-1]], PERSON)

        def distinctive(word: str) -> bool:
            bare = _bare(word)
            return len(bare) >= 2 and bare not in FUNCTION_WORDS

        self._add_named_runs(words, PERSON, distinctive)

    def _name_spans(self, text: str) -> Iterable[tuple[int, int, str]]:
        words = [(m.start(), m.end(), _fold(m.group())) for m in WORD.finditer(text)]
        i = 0
        while i < len(words):
            for n in range(min(self._longest, len(words) - i), 0, -1):
                run = words[i : i + n]
                kind = self._phrases.get(tuple(w[2] for w in run))
                if kind and all(
                    GAP.fullmatch(text, a[1], b[0]) for a, b in itertools.pairwise(run)
                ):
                    yield run[0][0], run[-1][1], kind
                    i += n
                    break
            else:
                kind = self._declined(words[i][2])
                if kind:
                    yield words[i][0], words[i][1], kind
                i += 1
        if self._cjk_pattern is not None:
            for match in self._cjk_pattern.finditer(text):
                phrase = re.sub(r"\s", "", match.group()).casefold()
                yield match.start(), match.end(), self._cjk.get(phrase, CUSTOMER)

    def _declined(self, folded: str) -> str | None:
        for ending in _endings(folded):
            if folded.endswith(ending) and ending:
                kind = self._stems.get(folded[: -len(ending)])
                if kind:
                    return kind
        return None

    def _contact_phone(self, digits: str) -> bool:
        return any(digits.endswith(p) or p.endswith(digits[-9:]) for p in self._phones)

    def scrub(self, text: str) -> "Scrubbed":
        # One spelling of each accented letter, so that the words split where they should.
        text = unicodedata.normalize("NFC", RESERVED.sub("", text or ""))
        spans = [(m.start(), m.end(), EMAIL) for m in EMAIL_ADDRESS.finditer(text)]
        spans += [
            (m.start(), m.end(), PHONE)
            for m in PHONE_NUMBER.finditer(text)
            if _is_phone(text, m.start(), m.end(), self._contact_phone)
        ]
        spans += self._name_spans(text)
        # Longest first; a shorter match inside or across a longer one gives way.
        chosen: list[tuple[int, int, str]] = []
        for start, end, kind in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
            if all(end <= s or start >= e for s, e, _ in chosen):
                chosen.append((start, end, kind))
        parts, replacements, at = [], [], 0
        for start, end, kind in sorted(chosen):
            parts += [text[at:start], _token(len(replacements))]
            replacements.append(
                Replacement(original=text[start:end], placeholder=_placeholder(kind))
            )
            at = end
        parts.append(text[at:])
        return Scrubbed(marked="".join(parts), replacements=tuple(replacements))


# -- e-mail addresses and phone numbers -------------------------------------------

EMAIL_ADDRESS = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@[^\W_](?:[\w-]*[^\W_])?(?:\.[^\W_](?:[\w-]*[^\W_])?)+"
)
# Digits in groups, with one separator between groups (a space, or a dot, hyphen or
# slash with spaces around it or not) and perhaps an area code in brackets. The
# separator can be read only one way and the groups are capped, so a long line of
# digits cannot make the search slow.
_GROUP = r"(?:\(\d{1,5}\)|\d)"
PHONE_NUMBER = re.compile(
    rf"(?<![\w+/.,-])(?:\+[ \u00a0]?)?{_GROUP}"
    rf"(?:(?:[ \u00a0]|[ \u00a0]?[./-][ \u00a0]?)?{_GROUP}){{5,24}}"
    r"(?![\w)]|[-/.,:]\d)"
)
DATE = re.compile(r"\d{4}([-./])\d{1,2}\1\d{1,2}|\d{1,2}([-./])\d{1,2}\2\d{2,4}")
YEARS = re.compile(r"(?:1[89]|20)\d\d ?[-/] ?(?:(?:1[89]|20)\d\d|\d\d)")
IP_ADDRESS = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
THOUSANDS = re.compile(r"\d{1,3}(?:[ \u00a0.]\d{3})+(?:[.,]\d{1,2})?")
CURRENCY = re.compile(
    r"[€$£¥₹₽]|\b(?:eur|usd|gbp|pln|chf|cny|rmb|jpy|zł|zl|euro|euros|dollars)\b", re.IGNORECASE
)


def _is_phone(text: str, start: int, end: int, known) -> bool:
    candidate = text[start:end]
    digits = re.sub(r"\D", "", candidate)
    if not 7 <= len(digits) <= 15:
        return False
    if known(digits):
        return True
    if DATE.fullmatch(candidate) or YEARS.fullmatch(candidate) or IP_ADDRESS.fullmatch(candidate):
        return False
    if candidate.startswith(("+", "(", "0")):
        return True
    groups = re.findall(r"\d+", candidate)
    if len(groups) == 1:
        return False  # no prefix, no separators: an order or an invoice number
    if len(groups[0]) == 4 and groups[0].startswith(("19", "20")):
        return False  # a year, then another number
    if THOUSANDS.fullmatch(candidate):
        near = text[max(0, start - 5) : start] + " " + text[end : end + 6]
        if len(groups[0]) < 3 or "000" in groups[1:] or CURRENCY.search(near):
            return False
    return True
