from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from amends.accounts.models import Account
from amends.core.shipped import shipped
from amends.incidents.models import Incident, Severity
from amends.people.models import Team


class PlaybookKind(models.TextChoices):
    MISTAKE = "mistake", _("Recover from a mistake")
    THAW = "thaw", _("Thaw a cooling relationship")
    COMPLAINT = "complaint", _("Welcome a complaint")
    PARTING = "parting", _("A bad fit: the crucial conversation")


class Requirement(models.TextChoices):
    """What must be on record before a step can be completed."""

    CONTACT = "contact", _("a first contact")
    CONVERSATION = "conversation", _("a discovery conversation")
    APOLOGY = "apology", _("an apology by a person")
    EXPLANATION = "explanation", _("an explanation")
    COMMITMENT = "commitment", _("at least one commitment")
    COMMITMENTS_RESOLVED = (
        "commitments_resolved",
        _("every commitment kept, broken or renegotiated"),
    )
    PREVENTIVE_CHANGE = "preventive_change", _("a preventive change")
    GESTURE = "gesture", _("a gesture of adjacent value")
    VALUE_REMINDER = "value_reminder", _("a reminder of value")
    FOLLOW_UP_RELEASE = "release", _("a follow-up in which the customer releases the account")
    DECISION = "decision", _("a decision: continue or part")


class Playbook(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=PlaybookKind.choices, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("playbook")

    def __str__(self) -> str:
        return shipped(self.name)


class PlaybookStep(models.Model):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=40)
    title = models.CharField(_("title"), max_length=120)
    guidance = models.TextField(_("guidance"), blank=True)
    # Hours from the case's start, per severity (critical, major, moderate, minor).
    due_hours_critical = models.PositiveIntegerField(_("due (hours), critical"))
    due_hours_major = models.PositiveIntegerField(_("due (hours), major"))
    due_hours_moderate = models.PositiveIntegerField(_("due (hours), moderate"))
    due_hours_minor = models.PositiveIntegerField(_("due (hours), minor"))
    requires = models.JSONField(_("requires"), default=list, blank=True)
    # Stay attentive until released: a follow-up that does not release the account
    # sets the next one due this many days later (empty: no cadence).
    follow_up_days = models.PositiveSmallIntegerField(
        _("follow up every (days)"),
        null=True,
        blank=True,
        help_text=_("For a step that ends when the customer releases the account."),
    )

    class Meta:
        ordering = ["playbook", "order"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "key"], name="playbook_step_key_once")
        ]
        verbose_name = _("playbook step")

    def __str__(self) -> str:
        return f"{self.playbook.kind}:{self.key}"

    def due_hours(self, severity: int) -> int:
        by_severity: dict[int, int] = {
            Severity.CRITICAL: self.due_hours_critical,
            Severity.MAJOR: self.due_hours_major,
            Severity.MODERATE: self.due_hours_moderate,
            Severity.MINOR: self.due_hours_minor,
        }
        return by_severity[severity]


class Outcome(models.TextChoices):
    RECOVERED = "recovered", _("Recovered")
    ADVOCATE = "advocate", _("Advocate")
    PARTED = "parted", _("Parted")
    LOST = "lost", _("Lost")


class RecoveryCase(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="cases")
    # The account's team, kept on the case so that a team's cases are read from the
    # case's own indexes (who may see a case, My work, the API): set when the case
    # opens, moved with the account (``cases_follow_accounts``).
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="cases", null=True, blank=True
    )
    playbook = models.ForeignKey(Playbook, on_delete=models.PROTECT, related_name="cases")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="cases"
    )
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    last_chance = models.BooleanField(_("last chance"), default=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=300, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    closing_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("recovery case")
        indexes = [
            models.Index(fields=["account", "-opened_at"], name="case_account_recent"),
            models.Index(fields=["owner", "closed_at"], name="case_owner_open"),
            # My work's list of open cases, in its order: read up to the page and stop;
            # the team at the end, so a manager's list filters on the index alone.
            models.Index(
                fields=["closed_at", "-last_chance", "severity", "opened_at", "id", "team"],
                name="case_open_order",
            ),
            # How many open cases a team has (My work's pager).
            models.Index(fields=["team", "closed_at"], name="case_team_open"),
            # Every case, the latest opened first: the API's list with the closed ones.
            models.Index(fields=["-opened_at", "-id"], name="case_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.playbook.get_kind_display()} · {self.account}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.team_id is None and self.account_id is not None:
            self.team_id = Account.objects.values_list("team_id", flat=True).get(pk=self.account_id)
        super().save(*args, **kwargs)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class StepState(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    DUE = "due", _("Due")
    LATE = "late", _("Late")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")


class CaseStep(models.Model):
    case = models.ForeignKey(RecoveryCase, on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey(PlaybookStep, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField()
    key = models.SlugField(max_length=40)
    title = models.CharField(max_length=120)
    requires = models.JSONField(default=list, blank=True)
    # Moved later by every pause, so waiting on the customer never counts as late.
    due_at = models.DateTimeField(db_index=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    skipped_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["case", "order"]
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="case_step_once")]
        # A case's unfinished steps due by a time, read from the index alone: My work
        # seeks it once per case its person owns (114 ms to 32 ms for 9,577 cases).
        indexes = [models.Index(fields=["case", "done_at", "due_at"], name="case_step_open")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.key}"

    @property
    def is_finished(self) -> bool:
        return self.done_at is not None


class CasePause(models.Model):
    case = models.ForeignKey(RecoveryCase, on_delete=models.CASCADE, related_name="pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.case_id} paused {self.started_at:%Y-%m-%d %H:%M}"


class RecordKind(models.TextChoices):
    CONTACT = "contact", _("First contact")
    CONVERSATION = "conversation", _("Discovery conversation")
    APOLOGY = "apology", _("Apology")
    EXPLANATION = "explanation", _("Explanation")
    PREVENTIVE_CHANGE = "preventive_change", _("Preventive change")
    GESTURE = "gesture", _("Gesture of adjacent value")
    VALUE_REMINDER = "value_reminder", _("Reminder of value")
    FOLLOW_UP = "follow_up", _("Follow-up")
    SMALL_CHANCE = "small_chance", _("Request for a small chance")
    DECISION = "decision", _("Decision")


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    CALL = "call", _("Call")
    VIDEO = "video", _("Video")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("Email")


class CaseRecord(models.Model):
    """What a step records: a conversation, the apology, a gesture… The fields
    each kind needs are checked by ``recovery.records``."""

    case = models.ForeignKey(RecoveryCase, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=24, choices=RecordKind.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on case {self.case_id}"


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    KEPT_LATE = "kept_late", _("Kept late")
    BROKEN = "broken", _("Broken")
    RENEGOTIATED = "renegotiated", _("Renegotiated")


class Commitment(models.Model):
    """A promise made to the customer: specific, measurable, time-bound, owned."""

    case = models.ForeignKey(RecoveryCase, on_delete=models.CASCADE, related_name="commitments")
    what = models.CharField(_("what we promise"), max_length=300)
    measure = models.CharField(_("how we will know it is done"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commitments"
    )
    due_at = models.DateTimeField(_("due at"), db_index=True)
    free_of_charge = models.BooleanField(_("free of charge"), default=False)
    status = models.CharField(
        max_length=16, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="commitment_open_due")]

    def __str__(self) -> str:
        return self.what


class EscalationLevel(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


class Escalation(models.Model):
    case = models.ForeignKey(RecoveryCase, on_delete=models.CASCADE, related_name="escalations")
    step = models.ForeignKey(CaseStep, on_delete=models.CASCADE, null=True, blank=True)
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, null=True, blank=True)
    level = models.CharField(max_length=16, choices=EscalationLevel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="escalations"
    )
    reason = models.CharField(max_length=300)
    raised_at = models.DateTimeField()

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            # What makes the periodic check safe to run twice, or in two workers at once.
            models.UniqueConstraint(
                fields=["case", "step", "level", "recipient"],
                condition=Q(step__isnull=False),
                name="escalation_step_once",
            ),
            models.UniqueConstraint(
                fields=["case", "commitment", "level", "recipient"],
                condition=Q(commitment__isnull=False),
                name="escalation_commitment_once",
            ),
            models.UniqueConstraint(
                fields=["case", "level", "recipient"],
                condition=Q(step__isnull=True, commitment__isnull=True),
                name="escalation_case_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()}: {self.reason}"

    @property
    def reason_shown(self) -> str:
        """The reason in the reader's language: from what is late, when it is a step
        or a promise; else the reason as written (a shipped one is translated)."""
        if self.step is not None:
            return gettext(LATE_STEP) % {"title": shipped(self.step.title)}
        if self.commitment is not None:
            return gettext(LATE_COMMITMENT) % {"what": self.commitment.what}
        return shipped(self.reason)


# The reasons an escalation gives, written in English on the row and shown translated.
LATE_STEP = gettext_noop("Late step: %(title)s")
LATE_COMMITMENT = gettext_noop("Late commitment: %(what)s")
LAST_CHANCE = gettext_noop("Last chance: this account was recovered once before and failed again.")


class Question(models.Model):
    """The editable bank of discovery questions."""

    text = models.CharField(_("question"), max_length=300)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("discovery question")

    def __str__(self) -> str:
        return self.text
