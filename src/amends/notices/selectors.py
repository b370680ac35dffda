"""Reading notices: progress counts, the permission helpers, failures and languages."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from amends.incidents.models import Incident
from amends.notices.models import NoticeRecipient, NoticeRun, RecipientState
from amends.notices.texts import Letters
from amends.people.access import READ, WRITE, user_can
from amends.people.models import User

# -- reading --------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    # Not a state: how many messages may have crossed the wire twice (same Message-ID).
    in_doubt: int = 0
    # Not a state either: sent, and a delivery report came back (the mail app reads them).
    bounced: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sending + self.sent + self.failed

    @property
    def finished(self) -> int:
        return self.sent + self.failed


def notice_counts(run_ids: Iterable[int]) -> dict[int, Counts]:
    """Recipients by state, per run: one GROUP BY over the (run, state, line) index;
    and the messages in doubt, read from the partial index of the few rows with any."""
    ids = list(run_ids)
    found: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    rows = (
        NoticeRecipient.objects.filter(run_id__in=ids)
        .order_by()
        .values_list("run_id", "state")
        .annotate(n=Count("id"))
    )
    for run_id, state, n in rows:
        found[run_id][state] = n
    doubts = (
        NoticeRecipient.objects.filter(run_id__in=ids, in_doubt__gt=0)
        .order_by()
        .values_list("run_id")
        .annotate(n=Sum("in_doubt"))
    )
    for run_id, n in doubts:
        found[run_id]["in_doubt"] = n
    bounces = (
        NoticeRecipient.objects.filter(run_id__in=ids, bounced_at__isnull=False)
        .order_by()
        .values_list("run_id")
        .annotate(n=Count("id"))
    )
    for run_id, n in bounces:
        found[run_id]["bounced"] = n
    return {pk: Counts(**states) for pk, states in found.items()}


def notice_run_get_for(*, user: User | AnonymousUser, run_id: int, action: str = READ) -> NoticeRun:
    """The run ``user`` may see, or 404; for a change, 403 when they may only look.

    Runs belong to the incident's team: someone who sees the incident only through
    an affected account of their own team sees none of its recipient lists."""
    run = NoticeRun.objects.select_related("incident").filter(pk=run_id).first()
    if run is None or not user_can(user, READ, run.incident.team_id):
        raise Http404("No such notice.")
    if action == WRITE and not user_can(user, WRITE, run.incident.team_id):
        raise PermissionDenied(_("You may look at this notice but not change it."))
    return run


def notice_incident_get_for(
    *, user: User | AnonymousUser, incident_id: int, action: str = READ
) -> Incident:
    """The incident whose notices ``user`` may see (404 otherwise), or change (403)."""
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None or not user_can(user, READ, incident.team_id):
        raise Http404("No such incident.")
    if action == WRITE and not user_can(user, WRITE, incident.team_id):
        raise PermissionDenied(_("You may look at these notices but not send any."))
    return incident


def notice_runs_for(*, incident: Incident) -> list[tuple[NoticeRun, Counts]]:
    runs = list(incident.notice_runs.all())
    counts = notice_counts(run.pk for run in runs)
    return [(run, counts[run.pk]) for run in runs]


def notice_failures(*, run: NoticeRun, limit: int = 50) -> QuerySet[NoticeRecipient]:
    return run.recipients.filter(state=RecipientState.FAILED).order_by("line")[:limit]


def notice_languages(*, run: NoticeRun) -> list[tuple[str, int, str]]:
    """(the people's language, how many, the text they get), most people first."""
    letters = Letters(run.texts_in_order()) if run.texts else None
    rows = (
        run.recipients.order_by()
        .values_list("language")
        .annotate(n=Count("id"))
        .order_by("-n", "language")
    )
    return [(code, n, letters.text_for(code) if letters else "") for code, n in rows]
