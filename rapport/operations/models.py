"""Operations: backups (what was saved, how big, how long, its checksum, whether a drill restored
it), alert rules managers edit, and the alerts they raise (open while firing, then history)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel


class BackupStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    OK = "ok", _("Complete")
    FAILED = "failed", _("Failed")
    PRUNED = "pruned", _("Removed by retention")


class Backup(PublicIdModel, TimeStampedModel):
    """One encrypted backup file: the database dump, the media directory and a manifest."""

    status = models.CharField(
        max_length=10, choices=BackupStatus.choices, default=BackupStatus.RUNNING, db_index=True
    )
    engine = models.CharField(max_length=20)
    file_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    duration_seconds = models.FloatField(default=0)
    # SHA-256 of the encrypted file: a restore refuses a file that does not match.
    sha256 = models.CharField(max_length=64, blank=True)
    # Which key encrypted it (a fingerprint, never the key).
    key_id = models.CharField(max_length=16, blank=True)
    # {table: [rows, checksum]} taken in the dump's own snapshot; the drill compares against it.
    tables = models.JSONField(default=dict, blank=True)
    media_files = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    drilled_at = models.DateTimeField(null=True, blank=True)
    drill_ok = models.BooleanField(null=True, blank=True)
    drill_report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"backup {self.file_name or self.public_id} ({self.status})"


class Comparator(models.TextChoices):
    ABOVE = "gt", _("above")
    AT_LEAST = "gte", _("at or above")
    BELOW = "lt", _("below")
    AT_MOST = "lte", _("at or below")


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class AlertRule(TimeStampedModel):
    """A condition on one metric of the registry (`operations.alert_metrics`), checked every
    minute: while `metric (over the window) comparator threshold` holds, one alert is open."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    metric = models.CharField(_("metric"), max_length=40)
    # What the metric measures, when it needs one (a product's SKU, a stock level).
    parameter = models.CharField(_("parameter"), max_length=120, blank=True)
    comparator = models.CharField(_("condition"), max_length=3, choices=Comparator.choices)
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=3)
    window_minutes = models.PositiveIntegerField(_("window (minutes)"), default=5)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.WARNING
    )
    # Email addresses, comma-separated; empty: every active manager.
    recipients = models.TextField(_("recipients"), blank=True)
    # Unacknowledged this long, the alert goes to every manager as well (empty: never).
    escalate_after_minutes = models.PositiveIntegerField(
        _("escalate after (minutes)"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AlertStatus(models.TextChoices):
    FIRING = "firing", _("Firing")
    RESOLVED = "resolved", _("Resolved")


class Alert(PublicIdModel, TimeStampedModel):
    """One episode of a rule's condition holding: opened, maybe acknowledged and escalated,
    resolved. At most one open alert per rule (a partial unique constraint)."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    status = models.CharField(
        max_length=10, choices=AlertStatus.choices, default=AlertStatus.FIRING, db_index=True
    )
    severity = models.CharField(max_length=10, choices=Severity.choices)
    opened_at = models.DateTimeField()
    first_value = models.DecimalField(max_digits=20, decimal_places=3)
    last_value = models.DecimalField(max_digits=20, decimal_places=3)
    peak_value = models.DecimalField(max_digits=20, decimal_places=3)
    last_evaluated_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule"],
                condition=models.Q(resolved_at__isnull=True),
                name="one_open_alert_per_rule",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} ({self.status})"
