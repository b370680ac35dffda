"""Writes for a team's public feedback page: made or opened again, its link rotated, closed.
What keeps the page itself safe from spam is in ``feedback.py``."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from amends.complaints.models import FeedbackPage
from amends.people.access import user_manages_team
from amends.people.models import Team
from amends.timeline.services import Actor, Said, event_record, said

INTRO_MAX = 2000


def _require_manager(actor: Actor, team_id: int) -> None:
    if actor.user is not None and not user_manages_team(actor.user, team_id):
        raise PermissionDenied(gettext("Only the team's managers hand out its feedback page."))


def _new_key() -> str:
    key = secrets.token_urlsafe(16)
    while FeedbackPage.objects.filter(public_key=key).exists():
        key = secrets.token_urlsafe(16)  # pragma: no cover - 128 random bits
    return key


def _log_page(actor: Actor, page: FeedbackPage, action: str, summary: Said) -> None:
    event_record(actor=actor, action=action, subject=page, account_id=None, summary=summary)


@transaction.atomic
def feedback_page_enable(*, actor: Actor, team: Team, intro: str | None = None) -> FeedbackPage:
    """Give the team a public feedback page, or open its closed one again."""
    _require_manager(actor, team.pk)
    if intro is not None and len(intro) > INTRO_MAX:
        raise ValidationError(
            {
                "intro": gettext("Keep the introduction under %(intro_max)s characters.")
                % {"intro_max": INTRO_MAX}
            }
        )
    page = FeedbackPage.objects.select_for_update().filter(team=team).first()
    if page is None:
        page = FeedbackPage.objects.create(
            team=team, public_key=_new_key(), intro=(intro or "").strip()
        )
        _log_page(
            actor,
            page,
            "feedback_page.created",
            said(gettext_noop("Public feedback page made for %(team)s"), team=str(team)),
        )
        return page
    page.active = True
    if intro is not None:
        page.intro = intro.strip()
    page.save(update_fields=["active", "intro"])
    _log_page(
        actor,
        page,
        "feedback_page.opened",
        said(gettext_noop("Public feedback page of %(team)s open"), team=str(team)),
    )
    return page


@transaction.atomic
def feedback_page_rotate(*, actor: Actor, page: FeedbackPage) -> FeedbackPage:
    """A new link; the old one stops working (it leaked, or attracts spam)."""
    page = (
        FeedbackPage.objects.select_for_update(of=("self",)).select_related("team").get(pk=page.pk)
    )
    _require_manager(actor, page.team_id)
    page.public_key = _new_key()
    page.save(update_fields=["public_key"])
    _log_page(
        actor,
        page,
        "feedback_page.rotated",
        said(gettext_noop("New link for %(team)s's feedback page"), team=str(page.team)),
    )
    return page


@transaction.atomic
def feedback_page_disable(*, actor: Actor, page: FeedbackPage) -> FeedbackPage:
    page = (
        FeedbackPage.objects.select_for_update(of=("self",)).select_related("team").get(pk=page.pk)
    )
    _require_manager(actor, page.team_id)
    if not page.active:
        raise ValidationError(gettext("The feedback page is already closed."))
    page.active = False
    page.save(update_fields=["active"])
    _log_page(
        actor,
        page,
        "feedback_page.closed",
        said(gettext_noop("Public feedback page of %(team)s closed"), team=str(page.team)),
    )
    return page


def demo_feedback_pages() -> int:
    """A public feedback page for every team that has none; returns how many were made."""
    made = 0
    for team in Team.objects.filter(feedback_page__isnull=True):
        feedback_page_enable(actor=Actor.system(), team=team)
        made += 1
    return made
