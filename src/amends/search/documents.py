"""What each kind of thing is found by, and keeping the index (core.textsearch) right.

Every function reads plain values (``values_list``) through a model registry, so the
migration that fills the index on upgrade runs the same code with its historical
models, and a rebuild of 600,000 things never builds a model instance.

    account       its name, external id, and its contacts' names, addresses, phones
    contact       name, email, phone, role
    conversation  subject, the customer's name, address and company, the text, our
                  answer, and every mail the customer sent into it
    case          its account's name, why it was opened, how it was closed
    incident      title, what went wrong, tags
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from django.apps import apps as installed_apps
from django.apps.registry import Apps
from django.db import transaction

from amends.core.models import SearchEntry, SearchKind
from amends.core.textsearch import (
    Document,
    document,
    entries_put,
    entries_remove,
    index_optimize,
)

CHUNK = 2000

Builder = Callable[[Apps, list[int]], dict[int, Document]]


def _model(apps: Apps, label: str):  # type: ignore[no-untyped-def]
    return apps.get_model(label)


def account_documents(apps: Apps, ids: list[int]) -> dict[int, Document]:
    people: dict[int, list[str]] = defaultdict(list)
    for account_id, *values in (
        _model(apps, "accounts.Contact")
        .objects.filter(account_id__in=ids)
        .order_by("id")
        .values_list("account_id", "name", "email", "phone")
    ):
        people[account_id] += values
    return {
        pk: Document(team_id, document(name, external_id, *people[pk]))
        for pk, team_id, name, external_id in _model(apps, "accounts.Account")
        .objects.filter(pk__in=ids)
        .values_list("pk", "team_id", "name", "external_id")
    }


def contact_documents(apps: Apps, ids: list[int]) -> dict[int, Document]:
    return {
        pk: Document(team_id, document(*values))
        for pk, team_id, *values in _model(apps, "accounts.Contact")
        .objects.filter(pk__in=ids)
        .values_list("pk", "account__team_id", "name", "email", "phone", "role")
    }


def conversation_documents(apps: Apps, ids: list[int]) -> dict[int, Document]:
    mails: dict[int, list[str]] = defaultdict(list)
    for complaint_id, *values in (
        _model(apps, "mail.Mail")
        .objects.filter(complaint_id__in=ids, direction="in")
        .order_by("at", "id")
        .values_list("complaint_id", "from_name", "subject", "text")
    ):
        mails[complaint_id] += values
    found = {}
    for pk, team_id, *values in (
        _model(apps, "complaints.Complaint")
        .objects.filter(pk__in=ids)
        .values_list(
            "pk",
            "team_id",
            "subject",
            "customer_name",
            "customer_email",
            "customer_company",
            "text",
            "answer",
        )
    ):
        # The first mail usually is the conversation's text: its words once are enough.
        seen = set(values)
        extra = []
        for value in mails[pk]:
            if value not in seen:
                seen.add(value)
                extra.append(value)
        found[pk] = Document(team_id, document(*values, *extra))
    return found


def case_documents(apps: Apps, ids: list[int]) -> dict[int, Document]:
    # The account's team, as who may see a case follows its account.
    return {
        pk: Document(team_id, document(*values))
        for pk, team_id, *values in _model(apps, "recovery.RecoveryCase")
        .objects.filter(pk__in=ids)
        .values_list("pk", "account__team_id", "account__name", "reason", "closing_note")
    }


def incident_documents(apps: Apps, ids: list[int]) -> dict[int, Document]:
    return {
        pk: Document(team_id, document(title, description, " ".join(map(str, tags or []))))
        for pk, team_id, title, description, tags in _model(apps, "incidents.Incident")
        .objects.filter(pk__in=ids)
        .values_list("pk", "team_id", "title", "description", "tags")
    }


BUILDERS: dict[str, tuple[str, Builder]] = {
    SearchKind.ACCOUNT: ("accounts.Account", account_documents),
    SearchKind.CONTACT: ("accounts.Contact", contact_documents),
    SearchKind.CONVERSATION: ("complaints.Complaint", conversation_documents),
    SearchKind.CASE: ("recovery.RecoveryCase", case_documents),
    SearchKind.INCIDENT: ("incidents.Incident", incident_documents),
}


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def index_update(kind: str, ids: Iterable[int], *, apps: Apps = installed_apps) -> None:
    """Index these things of ``kind`` as they are now, in the caller's transaction;
    those that no longer exist leave the index."""
    _, build = BUILDERS[kind]
    for chunk in _chunks(ids):
        documents = build(apps, chunk)
        entries_put(kind, documents)
        gone = [pk for pk in chunk if pk not in documents]
        if gone:
            entries_remove(kind, gone)


def _all_ids(apps: Apps, label: str) -> Iterator[list[int]]:
    model = _model(apps, label)
    last = 0
    while chunk := list(
        model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK]
    ):
        yield chunk
        last = chunk[-1]


def index_rebuild(
    *, apps: Apps = installed_apps, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Every entry made again from what it comes from, in one transaction: the
    oldest things first, so the newest come first in results. Returns the counts."""
    counts = {}
    entries = _model(apps, "core.SearchEntry")
    with transaction.atomic():
        entries.objects.all().delete()
        for kind, (label, build) in BUILDERS.items():
            counts[kind] = 0
            for chunk in _all_ids(apps, label):
                documents = build(apps, chunk)
                entries.objects.bulk_create(
                    entries(kind=kind, object_id=pk, team_id=doc.team_id, text=doc.text)
                    for pk, doc in documents.items()
                )
                counts[kind] += len(documents)
                if progress:
                    progress(kind, counts[kind])
        index_optimize()
    return counts


def index_differing(*, apps: Apps = installed_apps) -> list[str]:
    """Entries that differ from what they come from, missing or left over, as
    ``kind:id`` (for ``amends verify``)."""
    wrong = []
    for kind, (label, build) in BUILDERS.items():
        held_ids: set[int] = set(
            SearchEntry.objects.filter(kind=kind).values_list("object_id", flat=True)
        )
        for chunk in _all_ids(apps, label):
            documents = build(apps, chunk)
            held = {
                pk: Document(team_id, text)
                for pk, team_id, text in SearchEntry.objects.filter(
                    kind=kind, object_id__in=chunk
                ).values_list("object_id", "team_id", "text")
            }
            wrong += [f"{kind}:{pk}" for pk, doc in documents.items() if held.get(pk) != doc]
            held_ids.difference_update(chunk)
        wrong += [f"{kind}:{pk}" for pk in sorted(held_ids)]
    return wrong


def index_repair(found: list[str]) -> None:
    by_kind: dict[str, list[int]] = defaultdict(list)
    for item in found:
        kind, _, pk = item.partition(":")
        by_kind[kind].append(int(pk))
    with transaction.atomic():
        for kind, ids in by_kind.items():
            index_update(kind, ids)
