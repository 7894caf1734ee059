"""The custom user: everybody who logs in (customers, employees, managers) is a User.

Customers are users without `is_staff`; their CRM record is `customers.Customer`. Employees and
managers are staff users whose role is a Django group (see `rapport.accounts.roles`).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailUserManager(UserManager["User"]):
    def _create_user_object(self, username: Any, email: Any, password: Any, **extra: Any) -> User:
        email = self.normalize_email(email or username).lower()
        user = self.model(email=email, username=email, **extra)
        user.password = ""
        if password is not None:
            user.set_password(password)
        else:
            user.set_unusable_password()
        return user

    def _create_user(self, username: Any, email: Any, password: Any, **extra: Any) -> User:
        user = self._create_user_object(username, email, password, **extra)
        user.save(using=self._db)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, email, password, **extra)

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, email, password, **extra)


class User(AbstractUser):
    """Logs in with an email address; `username` mirrors it for Django's admin and tooling."""

    email = models.EmailField(_("email address"), unique=True)
    # The person's id in the API and on enrolled devices (database ids never leave the site).
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Set when the person proved they read mail at `email` (verification or enrolment link).
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = EmailUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = (self.email or "").strip().lower()
        self.username = self.email
        super().save(*args, **kwargs)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class ThrottleEvent(models.Model):
    """One counted request (e.g. a password-reset request) for a database-backed rate limit.

    Kept in the database so every app process sees the same counts. `key` is a hash of what is
    counted (an address or an email), so the table holds no addresses in clear.
    """

    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "created_at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]} {self.created_at:%Y-%m-%d %H:%M}"


class LoginCounter(models.Model):
    """Failed logins counted for one entrance and one key: an (account, address) pair or an
    address alone (`rapport.accounts.lockout`). Kept in the database so every app process sees
    the same counts; keys are hashes, so the table holds neither emails nor addresses in clear.
    """

    entrance = models.CharField(max_length=8)
    scope = models.CharField(max_length=8)  # "pair" or "ip"
    key = models.CharField(max_length=64)
    # Hash of the account alone (pairs only), so a manager can lift an account's delays.
    account = models.CharField(max_length=64, blank=True, db_index=True)
    failures = models.PositiveIntegerField(default=0)
    last_failed_at = models.DateTimeField()
    wait_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entrance", "scope", "key"], name="login_counter_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entrance} {self.scope} {self.key[:8]}: {self.failures}"


class ApiToken(models.Model):
    """A personal API token: shown once when created, kept only as a SHA-256 digest.

    The token reads `rpt_<prefix>_<secret>`; `prefix` finds the row, the digest of the whole
    token proves it. Its `scopes` narrow what its user may do through the API (never widen:
    every call also runs the user's own access rules). See docs/api.md.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="personal_api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
