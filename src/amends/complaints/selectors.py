"""Reads for the inbox, the complaint page and the account page's panel."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NotRequired, TypedDict

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext

from amends.accounts.models import Account, Contact
from amends.accounts.selectors import AccountFilters, account_list
from amends.complaints.models import AbuseReport, Complaint, FeedbackPage, Flag
from amends.core.models import SearchKind
from amends.core.textsearch import matching_ids
from amends.people.access import (
    READ,
    WRITE,
    team_ids_for,
    teams_for,
    teams_managed_by,
    user_manages_team,
)
from amends.people.models import Team, User
from amends.recovery.models import PlaybookKind, RecoveryCase
from amends.timeline.models import Event

# From hell, not through hell: this many abuse reports within the window and the
# account is suggested for Playbook 4, a graceful (or not so graceful) exit.
ABUSE_REPORTS_FOR_PARTING = 2
ABUSE_WINDOW = timedelta(days=180)


def acknowledge_hours() -> int:
    return int(settings.AMENDS_COMPLAINT_ACK_HOURS)


def acknowledge_deadline(received_at: datetime) -> datetime:
    return received_at + timedelta(hours=acknowledge_hours())


@dataclass(frozen=True)
class ComplaintFilters:
    unacknowledged: bool = False
    late: bool = False
    # None: both; True: only resolved; False: only open.
    resolved: bool | None = None
    # "": any; "flagged": venting or abusive; or one flag.
    flag: str = ""
    channel: str = ""
    account: int | None = None
    # "": anyone's; "me": assigned to the person looking; "nobody": not assigned.
    assigned: str = ""
    # Words in the conversation (core.textsearch: its text, subject, sender, mail).
    q: str = ""


def complaint_visible_to(user: User | AnonymousUser, action: str = READ) -> QuerySet[Complaint]:
    ids = team_ids_for(user, action)
    complaints = Complaint.objects.all()
    return complaints if ids is None else complaints.filter(team_id__in=ids)


# The inbox's sorts (core.sorting): newest first unless asked otherwise.
INBOX_SORTS = {
    "received": ["received_at", "id"],
    "due": ["acknowledge_by", "id"],
    "from": ["account__name", "customer_name", "id"],
}


def complaint_list(
    *,
    user: User | AnonymousUser,
    filters: ComplaintFilters,
    now: datetime,
    order: list[str] | None = None,
) -> QuerySet[Complaint]:
    """Every complaint of the user's teams from every way in, newest first (or in
    ``order``, one of INBOX_SORTS)."""
    complaints = complaint_visible_to(user)
    if filters.unacknowledged:
        complaints = complaints.filter(acknowledged_at__isnull=True)
    if filters.late:
        complaints = complaints.filter(acknowledged_at__isnull=True, acknowledge_by__lt=now)
    if filters.resolved is True:
        complaints = complaints.filter(resolved_at__isnull=False)
    elif filters.resolved is False:
        complaints = complaints.filter(resolved_at__isnull=True)
    if filters.flag == "flagged":
        complaints = complaints.exclude(flag=Flag.NONE)
    elif filters.flag:
        complaints = complaints.filter(flag=filters.flag)
    if filters.channel:
        complaints = complaints.filter(channel=filters.channel)
    if filters.account:
        complaints = complaints.filter(account_id=filters.account)
    if filters.assigned == "me":
        complaints = complaints.filter(assignee_id=getattr(user, "pk", None))
    elif filters.assigned == "nobody":
        complaints = complaints.filter(assignee__isnull=True)
    matching = (
        matching_ids(SearchKind.CONVERSATION, filters.q, team_ids=team_ids_for(user, READ))
        if filters.q
        else None
    )
    if matching is not None:
        complaints = complaints.filter(pk__in=matching)
    return complaints.select_related("account", "team", "assignee").order_by(
        *(order or ["-received_at", "-id"])
    )


def conversations_assigned_to(*, user: User | AnonymousUser, shown: int = 50) -> list[Complaint]:
    """The open conversations given to ``user``, oldest first: what they must answer."""
    if isinstance(user, AnonymousUser):
        return []
    return list(
        complaint_visible_to(user)
        .filter(assignee=user, resolved_at__isnull=True)
        .select_related("account")
        .order_by("received_at", "id")[:shown]
    )


def complaint_get_for(
    *, user: User | AnonymousUser, complaint_id: int, action: str = READ
) -> Complaint:
    """The complaint ``user`` may see, or 404; for a write, 403 when they may only look."""
    complaint = (
        complaint_visible_to(user)
        .select_related("account", "team", "case__playbook", "answered_by", "assignee")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise Http404("No such complaint.")
    if action == WRITE and not complaint_visible_to(user, WRITE).filter(pk=complaint_id).exists():
        raise PermissionDenied(gettext("You may look at this complaint but not change it."))
    return complaint


def inbox_counts(*, user: User | AnonymousUser, now: datetime) -> dict[str, int]:
    # Both counts are of unacknowledged complaints: saying so lets the database read
    # the ``complaint_unacknowledged`` index instead of every complaint there is.
    return (
        complaint_visible_to(user)
        .filter(acknowledged_at__isnull=True)
        .aggregate(
            unacknowledged=Count("pk"),
            late=Count("pk", filter=Q(acknowledge_by__lt=now)),
        )
    )


# -- the team's public feedback page ----------------------------------------------


def feedback_pages_for(user: User | AnonymousUser) -> list[tuple[Team, FeedbackPage | None]]:
    teams = list(teams_managed_by(user).order_by("name"))
    pages = {p.team_id: p for p in FeedbackPage.objects.filter(team__in=teams)}
    return [(team, pages.get(team.pk)) for team in teams]


def team_get_managed(
    *,
    user: User | AnonymousUser,
    team_id: int,
    refusal: str = "Only the team's managers hand out its feedback page.",
) -> Team:
    team = teams_for(user, READ).filter(pk=team_id).first()
    if team is None:
        raise Http404("No such team.")
    if not user_manages_team(user, team.pk):
        raise PermissionDenied(refusal)
    return team


def feedback_page_get_public(*, public_key: str) -> FeedbackPage:
    page = FeedbackPage.objects.select_related("team").filter(public_key=public_key).first()
    if page is None or not page.active:
        raise Http404("No such feedback page.")
    return page


# -- accounts --------------------------------------------------------------------


def account_ids_for_email(*, team_id: int, email: str) -> list[int]:
    """The team's accounts that have a contact with this email address."""
    if not email.strip():
        return []
    return list(
        Contact.objects.filter(account__team_id=team_id, email__iexact=email.strip())
        .order_by()
        .values_list("account_id", flat=True)
        .distinct()[:2]
    )


def account_candidates(
    *, user: User | AnonymousUser, complaint: Complaint, q: str
) -> list[Account]:
    """Accounts this complaint could be linked to: the team's, found by name."""
    if not q.strip():
        return []
    filters = AccountFilters(q=q, team=complaint.team_id)
    return list(account_list(user=user, filters=filters)[:10])


def accounts_by_contact_email(*, complaint: Complaint) -> list[Account]:
    ids = account_ids_for_email(team_id=complaint.team_id, email=complaint.customer_email)
    return list(Account.objects.filter(pk__in=ids)) if ids else []


def open_cases_for_account(*, account_id: int) -> QuerySet[RecoveryCase]:
    return (
        RecoveryCase.objects.filter(account_id=account_id, closed_at__isnull=True)
        .select_related("playbook")
        .order_by("-opened_at")
    )


# -- difficult customers ---------------------------------------------------------


def accounts_suggested_for_parting(*, account_ids: Iterable[int | None], now: datetime) -> set[int]:
    """Of these accounts, those abusive often enough to consider letting them go."""
    ids = {i for i in account_ids if i}
    if not ids:
        return set()
    return set(
        AbuseReport.objects.filter(account_id__in=ids, at__gte=now - ABUSE_WINDOW)
        .values("account_id")
        .annotate(reports=Count("pk"))
        .filter(reports__gte=ABUSE_REPORTS_FOR_PARTING)
        .values_list("account_id", flat=True)
    )


def _count(queryset: QuerySet[Complaint] | QuerySet[AbuseReport]) -> Coalesce:
    per_account = queryset.order_by().values("account_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(per_account[:1]), 0)


class ComplaintSummary(TypedDict):
    """``complaint_summary_for_account``: only ``suggest_parting`` when there is no
    such account."""

    complaints_total: NotRequired[int]
    complaints_open: NotRequired[int]
    complaints_late: NotRequired[int]
    abuse_recent: NotRequired[int]
    satisfaction: NotRequired[float | None]
    parting_open: NotRequired[bool]
    suggest_parting: bool


def complaint_summary_for_account(*, account_id: int, now: datetime) -> ComplaintSummary:
    """What the account page shows of complaints and abuse, in two queries. The
    complaint figures are one pass over the account's own complaints (its index):
    asked as separate subqueries, the late count let SQLite walk the index of every
    unacknowledged complaint instead (80 ms with 200,000 conversations, against 1)."""
    row = (
        Account.objects.filter(pk=account_id)
        .annotate(
            abuse_recent=_count(
                AbuseReport.objects.filter(account_id=OuterRef("pk"), at__gte=now - ABUSE_WINDOW)
            ),
            parting_open=Exists(
                RecoveryCase.objects.filter(
                    account_id=OuterRef("pk"),
                    closed_at__isnull=True,
                    playbook__kind=PlaybookKind.PARTING,
                )
            ),
        )
        .values("abuse_recent", "parting_open")
        .first()
    )
    if row is None:
        return {"suggest_parting": False}
    figures = Complaint.objects.filter(account_id=account_id).aggregate(
        complaints_total=Count("pk"),
        complaints_open=Count("pk", filter=Q(resolved_at__isnull=True)),
        complaints_late=Count("pk", filter=Q(acknowledged_at__isnull=True, acknowledge_by__lt=now)),
        satisfaction=Avg("satisfaction"),
    )
    abuse_recent: int = row["abuse_recent"]
    return ComplaintSummary(
        complaints_total=figures["complaints_total"],
        complaints_open=figures["complaints_open"],
        complaints_late=figures["complaints_late"],
        satisfaction=figures["satisfaction"],
        abuse_recent=abuse_recent,
        parting_open=row["parting_open"],
        suggest_parting=abuse_recent >= ABUSE_REPORTS_FOR_PARTING,
    )


def abuse_reports_for_complaint(*, complaint: Complaint) -> QuerySet[AbuseReport]:
    return complaint.abuse_reports.select_related("staff", "reported_by")


def complaint_events(*, complaint: Complaint) -> QuerySet[Event]:
    # Narrowed by account first: the timeline's index is (account, at), and the
    # complaint's first events may predate its link to an account.
    on_account = Q(account_id__isnull=True)
    if complaint.account_id:
        on_account |= Q(account_id=complaint.account_id)
    return (
        Event.objects.filter(on_account)
        .filter(subject_type=Complaint._meta.label_lower, subject_id=complaint.pk)
        .select_related("actor")
        .order_by("-at", "-id")
    )
