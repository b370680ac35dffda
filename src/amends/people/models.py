from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    preferred_language = models.CharField(
        _("preferred language"), max_length=16, choices=settings.LANGUAGES, default="en"
    )

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    # Ordered from most to least power; access.py relies on these four names.
    ADMIN = "admin", _("Admin")
    MANAGER = "manager", _("Manager")
    AGENT = "agent", _("Agent")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "team"], name="membership_one_per_team")
        ]
        verbose_name = _("membership")

    def __str__(self) -> str:
        return f"{self.user} · {self.team} · {self.get_role_display()}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the secret is kept; the secret is
    shown once, when the token is made."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
