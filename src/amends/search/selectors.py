"""One search over everything a person may see, grouped by kind.

The index narrows each kind to its latest few matches in the person's teams; the
owning app's own visibility rule then reads those few rows, so nothing the person
may not see is shown even while the index lags (an incident is also seen by whoever
sees one of its accounts: its matches are read first and then checked)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from amends.accounts.models import Contact
from amends.accounts.selectors import account_visible_to
from amends.complaints.selectors import complaint_visible_to
from amends.core.models import SearchKind
from amends.core.textsearch import terms, top_matches
from amends.incidents.models import Incident
from amends.incidents.selectors import incident_visible_to
from amends.people.access import READ, team_ids_for
from amends.people.models import User
from amends.recovery.selectors import case_visible_to

# How many of each kind a search shows, and how many incidents it reads before
# checking which of them the person may see.
SHOWN = 8
INCIDENTS_READ = 200


@dataclass(frozen=True)
class Hit:
    kind: str
    id: int
    title: str
    detail: str
    url: str
    at: datetime | None = None


@dataclass
class Group:
    kind: str
    label: str
    hits: list[Hit] = field(default_factory=list)
    # More matches than shown.
    more: bool = False


def _ordered[M: Model](rows: QuerySet[M], ids: list[int]) -> list[M]:
    by_id = {row.pk: row for row in rows.filter(pk__in=ids)}
    return [by_id[pk] for pk in ids if pk in by_id]


def _accounts(user: User | AnonymousUser, ids: list[int]) -> list[Hit]:
    return [
        Hit(
            SearchKind.ACCOUNT,
            a.pk,
            a.name,
            " · ".join(filter(None, [a.team.name, a.external_id])),
            reverse("accounts:detail", args=[a.pk]),
        )
        for a in _ordered(account_visible_to(user).select_related("team"), ids)
    ]


def _contacts(user: User | AnonymousUser, ids: list[int]) -> list[Hit]:
    # Through the account's team (a join on the few rows shown), not "account IN (the
    # teams' accounts)": that list is 30,000 accounts long for a manager.
    team_ids = team_ids_for(user, READ)
    contacts = Contact.objects.select_related("account")
    if team_ids is not None:
        contacts = contacts.filter(account__team_id__in=team_ids)
    return [
        Hit(
            SearchKind.CONTACT,
            c.pk,
            c.name,
            " · ".join(filter(None, [c.account.name, c.email, c.role])),
            reverse("accounts:detail", args=[c.account_id]),
        )
        for c in _ordered(contacts, ids)
    ]


def _conversations(user: User | AnonymousUser, ids: list[int]) -> list[Hit]:
    complaints = complaint_visible_to(user).select_related("account")
    return [
        Hit(
            SearchKind.CONVERSATION,
            c.pk,
            c.subject or c.text[:100] or _("(no text)"),
            " · ".join(
                filter(
                    None,
                    [
                        c.account.name if c.account else "",
                        c.customer_name or c.customer_email,
                        c.text[:140] if c.subject else "",
                    ],
                )
            ),
            reverse("complaints:complaint", args=[c.pk]),
            c.received_at,
        )
        for c in _ordered(complaints, ids)
    ]


def _cases(user: User | AnonymousUser, ids: list[int]) -> list[Hit]:
    cases = case_visible_to(user).select_related("account", "playbook")
    return [
        Hit(
            SearchKind.CASE,
            c.pk,
            f"{c.playbook.name} · {c.account.name}",
            " · ".join(
                filter(None, [c.get_outcome_display() if c.closed_at else _("open"), c.reason])
            ),
            reverse("recovery:case", args=[c.pk]),
            c.opened_at,
        )
        for c in _ordered(cases, ids)
    ]


def _incidents(user: User | AnonymousUser, ids: list[int]) -> list[Hit]:
    return [
        Hit(
            SearchKind.INCIDENT,
            i.pk,
            i.title,
            " · ".join(filter(None, [i.get_status_display(), i.description[:140]])),
            reverse("incidents:detail", args=[i.pk]),
            i.discovered_at,
        )
        for i in _ordered(
            Incident.objects.filter(pk__in=incident_visible_to(user).values("pk")), ids
        )
    ]


READERS: dict[str, Callable[[User | AnonymousUser, list[int]], list[Hit]]] = {
    SearchKind.ACCOUNT: _accounts,
    SearchKind.CONTACT: _contacts,
    SearchKind.CONVERSATION: _conversations,
    SearchKind.CASE: _cases,
    SearchKind.INCIDENT: _incidents,
}

KINDS = [kind.value for kind in SearchKind]


def search_is_empty(query: str) -> bool:
    """Whether a query has nothing to look for (no letters or digits)."""
    return not terms(query)


def search(
    *,
    user: User | AnonymousUser,
    query: str,
    kinds: list[str] | None = None,
    shown: int = SHOWN,
) -> list[Group]:
    """What ``user`` may see that matches ``query``, a group per kind (those with
    matches), in the order of ``SearchKind``."""
    if search_is_empty(query) or not user.is_authenticated:
        return []
    team_ids = team_ids_for(user, READ)
    groups = []
    for kind in KINDS:
        if kinds and kind not in kinds:
            continue
        if kind == SearchKind.INCIDENT:
            ids = top_matches(kind, query, team_ids=None, limit=INCIDENTS_READ)
        else:
            ids = top_matches(kind, query, team_ids=team_ids, limit=shown + 1)
        if not ids:
            continue
        hits = READERS[kind](user, ids)
        if hits:
            label = str(SearchKind(kind).label)
            groups.append(Group(kind, label, hits[:shown], more=len(hits) > shown))
    return groups


__all__ = ["KINDS", "SHOWN", "Group", "Hit", "search", "search_is_empty"]
