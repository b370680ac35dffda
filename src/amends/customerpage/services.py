"""The customer's page: a secret link to the plan of their recovery case, and the
dated updates the team posts there (the writes; what the page shows is read in
selectors.py)."""

import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from amends.customerpage.models import CaseShare, CaseUpdate
from amends.recovery.models import (
    RecoveryCase,
)
from amends.recovery.services import case_log, case_require_write
from amends.timeline.services import Actor, said

UPDATE_MAX_CHARS = 5000


def case_share_create(*, actor: Actor, case: RecoveryCase) -> tuple[CaseShare, bool]:
    """The case's live link: made now, or the one already live (a second click
    makes nothing new). Returns (share, made)."""
    case_require_write(actor, case)
    live = CaseShare.objects.filter(case=case, revoked_at__isnull=True).first()
    if live is not None:
        return live, False
    try:
        with transaction.atomic():
            share = CaseShare.objects.create(
                case=case, key=secrets.token_urlsafe(32), created_by=actor.user
            )
    except IntegrityError:
        # Two clicks at once: the other one made it.
        return CaseShare.objects.get(case=case, revoked_at__isnull=True), False
    # The key stays out of the timeline: the record outlives the link.
    case_log(
        actor,
        case,
        "case.share_created",
        said(gettext_noop("Customer page link created")),
        after={"share_id": share.pk},
    )
    return share, True


@transaction.atomic
def case_share_revoke(
    *, actor: Actor, case: RecoveryCase, now: datetime | None = None
) -> CaseShare | None:
    """Revoke the live link; it answers 404 from now on. None when there was none.
    Allowed on a closed case too: taking a link back is always possible."""
    case_require_write(actor, case, open_only=False)
    share = CaseShare.objects.select_for_update().filter(case=case, revoked_at__isnull=True).first()
    if share is None:
        return None
    share.revoked_at = now or timezone.now()
    share.save(update_fields=["revoked_at"])
    case_log(
        actor,
        case,
        "case.share_revoked",
        said(gettext_noop("Customer page link revoked")),
        after={"share_id": share.pk},
    )
    return share


@transaction.atomic
def case_update_post(
    *, actor: Actor, case: RecoveryCase, text: str, now: datetime | None = None
) -> CaseUpdate:
    case_require_write(actor, case)
    text = text.strip()
    if not text:
        raise ValidationError({"text": gettext("Write the update for the customer.")})
    if len(text) > UPDATE_MAX_CHARS:
        raise ValidationError(
            {
                "text": gettext("Keep an update under %(update_max_chars)s characters.")
                % {"update_max_chars": UPDATE_MAX_CHARS}
            }
        )
    update = CaseUpdate.objects.create(
        case=case, text=text, posted_by=actor.user, posted_at=now or timezone.now()
    )
    case_log(
        actor,
        case,
        "case.update_posted",
        said(gettext_noop("Update for the customer: %(text)s"), text=text),
        after={"text": text},
    )
    return update


# -- selectors ---------------------------------------------------------------------
