"""Words found by the database's own text search, in any language the desk meets.

One index (``SearchEntry``) holds a document per thing a person may look for: its
kind, its id, its team and its words. The words are made here, in Python, once, the
same way for a document and for a query, so that both databases only match tokens:

- case and accents fold away (``casefold``, then NFKD without the combining marks):
  Greek typed without its tonos and Polish without its ogonki still match, and the
  letters NFKD leaves whole (ł, đ, ø) are folded by a small table;
- Chinese and Japanese, written without spaces, are cut into overlapping pairs of
  characters (``订单号`` → ``订单 单号 号``), so a two-character word is found inside a
  sentence; a query's pairs must follow each other (a phrase), and one character
  alone matches as a prefix.

SQLite keeps the words in an FTS5 table over the index (triggers keep it in step,
bulk inserts included); PostgreSQL in a generated ``tsvector`` ('simple', no
stemming: the words are already what they should be) under a GIN index. Both are
made by core's migration 0003. The search app decides what each kind's words are
and keeps the index right; lower apps only ask for the ids that match.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import connection
from django.db.models.expressions import RawSQL

from amends.core.models import SearchEntry, SearchKind

# The longest query taken (characters) and how many of its words count: the rest of a
# pasted paragraph adds nothing but cost.
QUERY_MAX = 200
TERMS_MAX = 8
# A document's words beyond this many characters are not indexed (a long mail thread).
DOCUMENT_MAX = 20_000
# The most matches a list narrowed by words holds (``matching_ids``).
MATCHES_MAX = 2000

FTS_TABLE = "core_searchentry_fts"

# Letters NFKD keeps whole; folded as a person typing without them would.
_FOLD = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ħ": "h", "ŧ": "t", "ı": "i", "æ": "ae"})
_WORD = re.compile(r"[^\W_]+")


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0x20000 <= code <= 0x3134F  # extensions B to G
    )


def fold(text: str) -> str:
    """Lower case without accents: ``Ζωή Łódź`` → ``ζωη lodz``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    # NFC again: Hangul, which NFKD takes apart into letters, is whole syllables again.
    return unicodedata.normalize("NFC", bare.translate(_FOLD))


def _runs(word: str) -> Iterable[tuple[bool, str]]:
    """A word cut where it goes from CJK to other letters: (is CJK, run)."""
    start = 0
    for i in range(1, len(word) + 1):
        if i == len(word) or _is_cjk(word[i]) != _is_cjk(word[start]):
            yield _is_cjk(word[start]), word[start:i]
            start = i


def _pairs(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def words(text: str) -> list[str]:
    """A document's tokens. A CJK run gives its pairs and its last character, so that
    every character starts a token (one typed character is a prefix query)."""
    tokens: list[str] = []
    for word in _WORD.findall(fold(text)):
        for cjk, run in _runs(word):
            if cjk and len(run) > 1:
                tokens += [*_pairs(run), run[-1]]
            else:
                tokens.append(run)
    return tokens


def document(*parts: str | None) -> str:
    """The words of ``parts``, as the index stores them."""
    text = " ".join(part for part in parts if part)[:DOCUMENT_MAX]
    return " ".join(words(text))


@dataclass(frozen=True)
class Term:
    tokens: tuple[str, ...]  # one word, or the pairs of a CJK run (a phrase)
    prefix: bool


def terms(query: str) -> list[Term]:
    """What a query asks for: every term must match. The last word is a prefix, as
    the person may still be typing it."""
    found: list[Term] = []
    for word in _WORD.findall(fold(query[:QUERY_MAX])):
        for cjk, run in _runs(word):
            if cjk and len(run) > 1:
                found.append(Term(tuple(_pairs(run)), prefix=False))
            else:
                found.append(Term((run,), prefix=cjk))
    found = found[:TERMS_MAX]
    if found and not found[-1].prefix and len(found[-1].tokens) == 1:
        found[-1] = Term(found[-1].tokens, prefix=True)
    return found


def _fts5(found: list[Term], kind: str, team_ids: Iterable[int] | None) -> str:
    """An FTS5 MATCH expression. Tokens are letters and digits only, so quoting them
    is enough; the kind and team columns hold one token each."""
    phrases = [f'"{" ".join(t.tokens)}"' + ("*" if t.prefix else "") for t in found]
    parts = [f"kind : {kind}"]
    if team_ids is not None:
        parts.append("team_id : (" + " OR ".join(str(int(i)) for i in sorted(team_ids)) + ")")
    parts.append("text : (" + " AND ".join(phrases) + ")")
    return " AND ".join(parts)


def _tsquery(found: list[Term]) -> str:
    """A to_tsquery('simple', …) expression: a phrase's pairs follow each other."""

    def lexeme(token: str, prefix: bool) -> str:
        return f"'{token}'" + (":*" if prefix else "")

    return " & ".join(
        "("
        + " <-> ".join(
            lexeme(token, t.prefix and i == len(t.tokens) - 1) for i, token in enumerate(t.tokens)
        )
        + ")"
        for t in found
    )


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def matching_ids(
    kind: str, query: str, *, team_ids: Iterable[int] | None, limit: int = MATCHES_MAX
) -> RawSQL | None:
    """The ids of the latest ``limit`` things of ``kind`` in these teams (``None``:
    every team) whose words match ``query``, for ``filter(pk__in=…)``; ``None`` when
    the query has no words (nothing to narrow by).

    A list narrowed by words holds at most ``limit`` of them: a word in 200,000
    conversations would otherwise make the inbox count and sort all 200,000 (a second
    a page, bench/search.py); a person looking for one adds a word instead."""
    found = terms(query)
    if not found:
        return None
    entries = SearchEntry._meta.db_table
    if team_ids is not None:
        team_ids = list(team_ids)
        if not team_ids:
            return RawSQL(f"SELECT object_id FROM {entries} WHERE 1 = 0", [])  # noqa: S608, S611
    if _is_sqlite():
        sql = (
            f"SELECT object_id FROM {entries} WHERE id IN "  # noqa: S608 - our table names
            f"(SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
            "ORDER BY rowid DESC LIMIT %s)"
        )
        return RawSQL(sql, [_fts5(found, kind, team_ids), limit])  # noqa: S611 - parameters
    teams = "" if team_ids is None else "AND team_id = ANY(%s) "
    sql = (
        f"SELECT object_id FROM {entries} WHERE kind = %s {teams}"  # noqa: S608 - our table
        "AND document @@ to_tsquery('simple', %s) ORDER BY id DESC LIMIT %s"
    )
    params: list = [kind, *([sorted(team_ids)] if team_ids is not None else [])]
    return RawSQL(sql, [*params, _tsquery(found), limit])  # noqa: S611 - parameters


def top_matches(kind: str, query: str, *, team_ids: Iterable[int] | None, limit: int) -> list[int]:
    """The ids of up to ``limit`` things of ``kind`` in these teams (``None``: every
    team) whose words match, the latest indexed first. Latest rather than best: the
    order the index already walks, so a word in 200,000 conversations costs what a
    rare one does, and a desk mostly wants what is recent."""
    found = terms(query)
    if not found or (team_ids is not None and not list(team_ids)):
        return []
    entries = SearchEntry._meta.db_table
    with connection.cursor() as cursor:
        if _is_sqlite():
            cursor.execute(
                f"SELECT e.object_id FROM (SELECT rowid AS rid FROM {FTS_TABLE} "  # noqa: S608
                f"WHERE {FTS_TABLE} MATCH %s ORDER BY rowid DESC LIMIT %s) AS m "
                f"JOIN {entries} AS e ON e.id = m.rid ORDER BY e.id DESC",
                [_fts5(found, kind, team_ids), limit],
            )
        else:
            teams = "" if team_ids is None else "AND team_id = ANY(%s) "
            params: list = [kind, *([sorted(team_ids)] if team_ids is not None else [])]
            cursor.execute(
                f"SELECT object_id FROM {entries} WHERE kind = %s "  # noqa: S608
                f"{teams}AND document @@ to_tsquery('simple', %s) ORDER BY id DESC LIMIT %s",
                [*params, _tsquery(found), limit],
            )
        return [row[0] for row in cursor.fetchall()]


# -- keeping the index: the search app calls these with each kind's documents ----------


@dataclass(frozen=True)
class Document:
    team_id: int | None
    text: str


def entries_put(kind: str, documents: Mapping[int, Document]) -> int:
    """Index these documents of ``kind`` (object id → document), in the caller's
    transaction. An entry whose words and team are unchanged is left as it is, so the
    index's order stays the order things were written. Returns how many changed."""
    if not documents:
        return 0
    held = {
        object_id: (team_id, text)
        for object_id, team_id, text in SearchEntry.objects.filter(
            kind=kind, object_id__in=list(documents)
        ).values_list("object_id", "team_id", "text")
    }
    changed = [
        object_id
        for object_id, doc in documents.items()
        if held.get(object_id) != (doc.team_id, doc.text)
    ]
    if not changed:
        return 0
    SearchEntry.objects.filter(kind=kind, object_id__in=[i for i in changed if i in held]).delete()
    SearchEntry.objects.bulk_create(
        SearchEntry(kind=kind, object_id=i, team_id=documents[i].team_id, text=documents[i].text)
        for i in changed
    )
    return len(changed)


def entries_remove(kind: str, object_ids: Iterable[int]) -> None:
    SearchEntry.objects.filter(kind=kind, object_id__in=list(object_ids)).delete()


def index_optimize() -> None:
    """After writing the whole index: SQLite merges FTS5's segments into one (a
    rebuild through the triggers leaves hundreds); PostgreSQL's GIN needs nothing."""
    if _is_sqlite():
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")  # noqa: S608


__all__ = [
    "QUERY_MAX",
    "Document",
    "SearchKind",
    "entries_put",
    "entries_remove",
    "matching_ids",
    "terms",
    "top_matches",
    "words",
]
