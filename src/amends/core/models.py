from django.db import models


class PeriodicSlot(models.Model):
    """One periodic job in one slot of its schedule, claimed by the first worker to
    insert the row: the unique pair is what makes the job run once however many
    workers share the database."""

    name = models.CharField(max_length=200)  # the task's module path
    starts_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "starts_at"], name="periodic_slot_once")
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.starts_at:%Y-%m-%d %H:%M}"
