"""Demo data of the inbox's own: what the team did with the older complaints."""

import random
from datetime import datetime, timedelta

from django.utils import timezone

from amends.complaints.models import Complaint
from amends.complaints.services import (
    complaint_answer,
    complaint_resolve,
    complaint_satisfaction_record,
)
from amends.timeline.services import Actor


def demo_complaints_answered(*, seed: int = 1, now: datetime | None = None) -> int:
    """Complaints older than a week were answered and resolved, most in time,
    some with the customer's satisfaction afterwards; the recent ones wait in the
    inbox. Only complaints not yet answered; returns how many were answered."""
    now = now or timezone.now()
    rng = random.Random(seed)
    old = Complaint.objects.filter(
        received_at__lt=now - timedelta(days=7), answered_at__isnull=True
    ).select_related("account__owner")
    answered_count = 0
    for complaint in old.order_by("pk"):
        owner = complaint.account.owner if complaint.account else None
        if owner is None:
            continue
        actor = Actor(user=owner, via="web")
        answered = complaint.received_at + timedelta(hours=rng.choice([2, 5, 20, 30]))
        complaint_answer(
            actor=actor,
            complaint=complaint,
            answer="I am sorry. I have looked into it and it is put right.",
            now=answered,
        )
        complaint_resolve(actor=actor, complaint=complaint, now=answered + timedelta(days=2))
        if rng.random() < 0.7:
            complaint_satisfaction_record(
                actor=actor,
                complaint=complaint,
                score=rng.choice([3, 4, 4, 5, 5, 2]),
                now=answered + timedelta(days=3),
            )
        answered_count += 1
    return answered_count
