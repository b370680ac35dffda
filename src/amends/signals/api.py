from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext
from ninja import Field, Query, Router, Schema, Status

from amends.accounts.selectors import account_get_for
from amends.core.api import ERRORS, error_body
from amends.core.pagination import page_of
from amends.people.access import user_can_write_anywhere
from amends.signals.selectors import signal_list_for_account
from amends.signals.services import (
    ITEM_FIELDS,
    MAX_ITEMS,
    SignalsRejected,
    signals_record,
)
from amends.timeline.services import Actor

router = Router(tags=["signals"])

API_SOURCE = "api"


class SignalIn(Schema):
    """One signal, as the API and webhooks take it. Name the account by its Amends
    id or by its external id (with its source when several sources use that id)."""

    account_id: int | None = Field(None, description="the account's id in Amends")
    account: str = Field("", description="or the account's external id")
    account_source: str = Field("", description="the source of that external id")
    kind: str = Field(
        description="complaint, praise, nps, csat, order, usage, late_payment, "
        "ticket_opened, ticket_closed, meeting, referral, or a slug of your own"
    )
    at: str = Field(description="ISO 8601; without an offset it is UTC")
    source: str = Field("", description="the system it comes from; with external_id, unique")
    external_id: str = Field(description="its id in that system")
    value: Decimal | None = Field(
        None, description="nps 0–10, csat 1–5, an order's amount, a usage measure"
    )
    currency: str = Field("", description="an order's currency, such as EUR")
    metric: str = Field("", description="what a usage signal measures")
    text: str = Field("", description="what was said, for a complaint or praise")


class SignalsIn(Schema):
    signals: list[SignalIn] = Field(min_length=1, max_length=MAX_ITEMS)


class SignalsRecordedOut(Schema):
    created: int
    already_there: int


class SignalOut(Schema):
    id: int
    account_id: int
    kind: str
    at: datetime
    source: str
    external_id: str
    value: Decimal | None
    currency: str
    metric: str
    text: str
    created_at: datetime


class SignalPage(Schema):
    items: list[SignalOut]
    count: int
    page: int
    pages: int
    page_size: int


class SignalQuery(Schema):
    kind: str = ""
    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=200)


def item_texts(item: Mapping[str, Any]) -> dict[str, str]:
    """A checked item as the text a CSV cell would hold, for the one set of rules."""
    texts = {}
    for name in ITEM_FIELDS:
        value = item.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            texts[name] = value
        else:  # an id, or a Decimal written out (never 1E+3)
            texts[name] = str(value) if isinstance(value, int) else format(value, "f")
    return texts


def problems_as_errors(problems, prefix: str = "") -> list[dict]:
    return [
        {"field": f"{prefix}{index}.{column}" if column else f"{prefix}{index}", "message": text}
        for index, column, text in problems
    ]


@router.post(
    "/signals",
    response={200: SignalsRecordedOut, **ERRORS},
    summary="Record signals, up to 1,000 at a time, all or none",
)
def record_signals(request, payload: SignalsIn):
    if not user_can_write_anywhere(request.user):
        raise PermissionDenied(gettext("You may look at accounts but not add signals to them."))
    items = [item_texts(item.dict()) for item in payload.signals]
    try:
        result = signals_record(actor=Actor.api(request), items=items, default_source=API_SOURCE)
    except SignalsRejected as rejected:
        body = error_body(
            "No signal was stored: some are not valid.",
            problems_as_errors(rejected.problems, "signals."),
        )
        return Status(422, body)
    return {"created": result.created, "already_there": result.already_there}


@router.get(
    "/accounts/{account_id}/signals",
    response={200: SignalPage, **ERRORS},
    summary="An account's signals, newest first",
)
def account_signals(request, account_id: int, query: Query[SignalQuery]):
    account = account_get_for(user=request.user, account_id=account_id)
    page = page_of(
        signal_list_for_account(account=account, kind=query.kind), query.page, query.page_size
    )
    return {
        "items": list(page.object_list),
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "page_size": query.page_size,
    }
