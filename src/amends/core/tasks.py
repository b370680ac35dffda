"""Housekeeping: forget old periodic slots and finished task results."""

from datetime import timedelta

from django.core.management import call_command
from django.tasks import task

from amends.core.periodic import daily_after, periodic, periodic_slots_prune


@periodic(daily_after(lambda: 3), "daily after 03:00")
@task(priority=-10)
def housekeeping(slot: str = "") -> dict[str, int]:
    slots = periodic_slots_prune(keep=timedelta(days=14))
    # Results of finished tasks (django-tasks-db keeps them until pruned).
    call_command("prune_db_task_results", min_age_days=14, verbosity=0)
    return {"slots": slots}
