import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from amends.accounts.models import Account, Contact
from amends.incidents.models import AffectedAccount, Incident, PostMortem
from amends.incidents.scrub import Scrubber
from amends.people.access import READ, team_ids_for
from amends.people.models import User

WORD = re.compile(r"\w{4,}")


def incident_visible_to(user: User | AnonymousUser) -> QuerySet[Incident]:
    """An incident is seen by its team and by anyone who sees one of its accounts."""
    ids = team_ids_for(user, READ)
    incidents = Incident.objects.all()
    if ids is None:
        return incidents
    return incidents.filter(Q(team_id__in=ids) | Q(affected__account__team_id__in=ids)).distinct()


def incident_get_for(*, user: User | AnonymousUser, incident_id: int) -> Incident:
    incident = (
        incident_visible_to(user).filter(pk=incident_id).select_related("cause", "team").first()
    )
    if incident is None:
        raise Http404("No such incident.")
    return incident


def incident_cases_for(*, incident: Incident, user: User | AnonymousUser) -> QuerySet[Any]:
    """The recovery cases of the affected accounts ``user`` may see, by account name.
    The cases belong to recovery, the app above: they are read through the relation."""
    cases = incident.cases.select_related("account", "owner").order_by("account__name", "id")
    ids = team_ids_for(user, READ)
    return cases if ids is None else cases.filter(team_id__in=ids)  # the case's own team


def incident_impacts(
    *, incident: Incident, account_ids: Iterable[int]
) -> dict[int, AffectedAccount]:
    """What the incident did to each of these accounts, by account id."""
    affected = incident.affected.filter(account_id__in=list(account_ids))
    return {impact.account_id: impact for impact in affected}


def incident_hidden_count(*, incident: Incident, user: User | AnonymousUser) -> int:
    """How many of the affected accounts belong to teams ``user`` cannot see."""
    ids = team_ids_for(user, READ)
    if ids is None:
        return 0
    return incident.affected.exclude(account__team_id__in=ids).count()


def incident_similar(*, incident: Incident, limit: int = 5) -> list[Incident]:
    """Earlier incidents with the same cause and a shared tag or several shared
    words: "this has happened before"."""
    words = set(WORD.findall(f"{incident.title} {incident.description}".casefold()))
    tags = set(incident.tags)
    earlier = (
        Incident.objects.filter(
            cause_id=incident.cause_id, discovered_at__lte=incident.discovered_at
        )
        .exclude(pk=incident.pk)
        .select_related("postmortem")
        .order_by("-discovered_at")[:500]
    )
    matches = []
    for other in earlier:
        shared_words = words & set(WORD.findall(f"{other.title} {other.description}".casefold()))
        if tags & set(other.tags) or len(shared_words) >= 2:
            matches.append(other)
        if len(matches) >= limit:
            break
    return matches


def postmortem_public(*, key: str) -> PostMortem:
    postmortem = (
        PostMortem.objects.filter(public_key=key, published_at__isnull=False)
        .select_related("incident", "incident__cause")
        .first()
    )
    if postmortem is None:
        raise Http404("No such post-mortem.")
    return postmortem


def incident_scrubber(*, incident: Incident) -> Scrubber:
    """What the incident's public post-mortem must not name: every affected account
    and its contacts, whichever team they belong to."""
    accounts = Account.objects.filter(incidents__incident=incident)
    contacts = list(Contact.objects.filter(account__in=accounts).values_list("name", "phone"))
    return Scrubber(
        customers=accounts.values_list("name", flat=True),
        people=[name for name, _ in contacts],
        phones=[phone for _, phone in contacts if phone],
    )


def incident_list_for(*, user: User | AnonymousUser, status: str = "") -> QuerySet[Incident]:
    incidents = incident_visible_to(user).select_related("cause", "team")
    if status:
        incidents = incidents.filter(status=status)
    # Each count a subquery of its own: joined, the two relations multiplied (40
    # incidents of 500 accounts made ten million rows to count DISTINCT).
    cases = Incident.cases.rel.related_model  # recovery's, above: through the relation
    open_cases = (
        cases._default_manager.filter(incident=OuterRef("pk"), closed_at__isnull=True)
        .order_by()
        .values("incident")
        .annotate(n=Count("pk"))
        .values("n")
    )
    affected = (
        AffectedAccount.objects.filter(incident=OuterRef("pk"))
        .order_by()
        .values("incident")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return incidents.annotate(
        accounts=Coalesce(Subquery(affected), 0),
        open_cases=Coalesce(Subquery(open_cases), 0),
    ).order_by("-discovered_at", "-id")


def incident_similar_to_draft(
    *, cause_id: int, title: str, description: str, tags: list[str], now: datetime
) -> list[Incident]:
    """The same "happened before" check, for an incident still being written."""
    draft = Incident(cause_id=cause_id, title=title, description=description, tags=tags)
    draft.discovered_at = now
    return incident_similar(incident=draft)
