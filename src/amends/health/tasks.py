from datetime import timedelta

from django.tasks import task

from amends.core.periodic import every, periodic
from amends.health.services import health_rescore_daily


# Tried every hour; health_rescore_daily's own claim keeps it to once a day, and a
# rescore that failed is tried again an hour later.
@periodic(every(timedelta(hours=1)), "every hour; once a day")
@task(priority=-5)
def health_rescore(slot: str = "") -> str | None:
    result = health_rescore_daily()
    return f"Daily health rescore: {result.summary()}" if result is not None else None
