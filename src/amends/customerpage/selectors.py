"""Reading the customer's page: its link, the live share of a case, the plan the
customer sees and their language.

What the customer sees is chosen field by field in ``customer_plan`` and nothing
else reaches their page: the account's name, the commitments (what, how it is
measured, when, free of charge, status; a renegotiated one shows its new date),
the preventive changes (what, and how the customer will hear of future problems),
and the updates. Never notes, apologies, explanations, health, owners, pauses,
escalations, reasons for a broken promise, or anything about another account."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from amends.customerpage.models import CaseShare
from amends.recovery.models import (
    CaseRecord,
    Commitment,
    CommitmentStatus,
    RecordKind,
    RecoveryCase,
)


def share_url(share: CaseShare) -> str:
    return settings.SITE_URL + reverse("customerpage:customer-page", args=[share.key])


# -- services ----------------------------------------------------------------------


def share_live_for(*, case: RecoveryCase) -> CaseShare | None:
    return CaseShare.objects.filter(case=case, revoked_at__isnull=True).first()


def share_get_public(*, key: str) -> CaseShare:
    """The live link with this key, or 404: a revoked link is gone at once."""
    share = (
        CaseShare.objects.select_related("case__account")
        .filter(key=key, revoked_at__isnull=True)
        .first()
    )
    if share is None:
        raise Http404("No such page.")
    return share


@dataclass(frozen=True)
class PlanCommitment:
    what: str
    measure: str
    due_at: datetime
    free_of_charge: bool
    status: str
    status_label: str
    new_due_at: datetime | None  # when renegotiated


@dataclass(frozen=True)
class PlanChange:
    what: str
    how_customer_is_told: str


@dataclass(frozen=True)
class PlanUpdate:
    text: str
    posted_at: datetime


@dataclass(frozen=True)
class CustomerPlan:
    account_name: str
    language: str
    complete: bool
    commitments: list[PlanCommitment]
    changes: list[PlanChange]
    updates: list[PlanUpdate]


def customer_language(case: RecoveryCase) -> str:
    """The first contact's language that Amends speaks (decision makers first),
    else the account's, else the site's."""
    wanted = [
        *case.account.contacts.exclude(language="").values_list("language", flat=True)[:5],
        case.account.language,
    ]
    for code in wanted:
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def customer_plan(*, case: RecoveryCase) -> CustomerPlan:
    """Build this with the customer's language active: the status labels are translated here."""
    commitments = list(case.commitments.select_related("replaced_by"))
    changes = CaseRecord.objects.filter(case=case, kind=RecordKind.PREVENTIVE_CHANGE)
    return CustomerPlan(
        account_name=case.account.name,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        complete=case.is_closed,
        commitments=[
            PlanCommitment(
                what=c.what,
                measure=c.measure,
                due_at=c.due_at,
                free_of_charge=c.free_of_charge,
                status=c.status,
                status_label=str(CommitmentStatus(c.status).label),
                new_due_at=_new_date(c),
            )
            for c in commitments
        ],
        changes=[
            PlanChange(
                what=r.data.get("what", ""),
                how_customer_is_told=r.data.get("how_customer_is_told", ""),
            )
            for r in changes
        ],
        updates=[PlanUpdate(text=u.text, posted_at=u.posted_at) for u in case.updates.all()],
    )


def _new_date(commitment: Commitment) -> datetime | None:
    if commitment.status != CommitmentStatus.RENEGOTIATED:
        return None
    replacement = getattr(commitment, "replaced_by", None)
    return replacement.due_at if replacement is not None else None
