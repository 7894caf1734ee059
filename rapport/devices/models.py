"""Enrolled devices of the offline client (docs/devices.md).

A manager issues a one-time `EnrolmentCode` for a person; the client sends it with a CSR for a
key it made itself, and becomes a `Device` with a short-lived certificate from the site's CA.
Every later API call is signed with that key; calls as the person also carry a
`DeviceSession` (sign-in on that device). The client uploads its usage log (`DeviceUsage`).
Codes and session tokens are kept only as SHA-256 digests.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel


class DeviceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")


class Device(PublicIdModel):
    """One installation of the client, bound to one person. `public_id` is the signature keyid."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices"
    )
    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=100, blank=True)
    client_version = models.CharField(_("client version"), max_length=40, blank=True)
    # The Ed25519 public key (32 raw bytes, base64): what signatures are checked against.
    public_key = models.CharField(max_length=64)
    certificate_serial = models.CharField(_("certificate serial"), max_length=40)
    certificate_pem = models.TextField()
    certificate_not_after = models.DateTimeField(_("certificate valid until"))
    status = models.CharField(
        _("status"), max_length=8, choices=DeviceStatus.choices, default=DeviceStatus.ACTIVE
    )
    enrolled_at = models.DateTimeField(_("enrolled"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Written at most once a minute (see services.record_call), so they may lag that much.
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    last_ip = models.GenericIPAddressField(_("last address"), null=True, blank=True)
    call_count = models.PositiveBigIntegerField(_("calls"), default=0)

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        indexes = [models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return f"{self.name} ({str(self.public_id)[:8]})"

    @property
    def is_active(self) -> bool:
        return self.status == DeviceStatus.ACTIVE


class EnrolmentCode(models.Model):
    """A one-time code a manager gives a person to enrol one device (valid for a day)."""

    digest = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_codes"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    device = models.OneToOneField(
        Device, on_delete=models.SET_NULL, null=True, blank=True, related_name="enrolment_code"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"enrolment code for {self.person} ({self.created_at:%Y-%m-%d %H:%M})"


class DeviceSession(models.Model):
    """A person signed in on a device: the token (hashed) works only with that device's key."""

    digest = models.CharField(max_length=64, unique=True)
    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="sessions")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_sessions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField()
    expires_at = models.DateTimeField()  # the absolute end; idleness ends it sooner
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"session on {self.device} ({self.created_at:%Y-%m-%d %H:%M})"


class DeviceUsage(models.Model):
    """One entry of the client's own usage log, as uploaded (`at` is the device's clock)."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="usage")
    at = models.DateTimeField()
    event = models.CharField(max_length=64)
    detail = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["device", "-at"])]

    def __str__(self) -> str:
        return f"{self.event} at {self.at:%Y-%m-%d %H:%M}"
