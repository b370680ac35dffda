"""GET /api/v1/search: what the caller may see that matches, grouped by kind."""

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from amends.core.api import ERRORS
from amends.core.textsearch import QUERY_MAX
from amends.search.selectors import SHOWN, search

router = Router(tags=["search"])

KindName = Literal["account", "contact", "conversation", "case", "incident"]


class SearchQuery(Schema):
    q: str = Field(
        min_length=1,
        max_length=QUERY_MAX,
        description="words to look for; the last one may be the start of a word. Chinese "
        "and Japanese are found inside sentences, Greek and Polish without accents",
    )
    kind: list[KindName] = Field(
        default_factory=list,
        description="only these kinds (repeat the parameter); every kind when left out",
    )
    limit: int = Field(SHOWN, ge=1, le=50, description="at most this many of each kind")


class HitOut(Schema):
    id: int
    title: str
    detail: str
    url: str
    at: datetime | None = Field(description="when it was received, opened or discovered")


class GroupOut(Schema):
    kind: KindName
    label: str
    items: list[HitOut]
    more: bool = Field(description="more match than are listed")


class SearchOut(Schema):
    q: str
    groups: list[GroupOut]


@router.get(
    "/search",
    response={200: SearchOut, **ERRORS},
    summary="Search accounts, contacts, inbox conversations, cases and incidents you can see",
)
def search_everything(request, query: Query[SearchQuery]):
    groups = search(user=request.user, query=query.q, kinds=list(query.kind), shown=query.limit)
    return {
        "q": query.q,
        "groups": [
            {"kind": g.kind, "label": g.label, "items": g.hits, "more": g.more} for g in groups
        ],
    }
