"""Reads for the operations pages, the health checks and the metrics."""

from __future__ import annotations

from django.db.models import QuerySet

from rapport.operations.models import Alert, AlertRule, AlertStatus, Backup, BackupStatus


def latest_backup() -> Backup | None:
    """The newest complete backup (None before the first)."""
    return Backup.objects.filter(status=BackupStatus.OK).order_by("-created_at").first()


def backup_list() -> QuerySet[Backup]:
    return Backup.objects.order_by("-created_at")


def open_alerts() -> QuerySet[Alert]:
    return (
        Alert.objects.filter(status=AlertStatus.FIRING)
        .select_related("rule", "acknowledged_by")
        .order_by("-opened_at")
    )


def alert_history() -> QuerySet[Alert]:
    return (
        Alert.objects.filter(status=AlertStatus.RESOLVED)
        .select_related("rule", "acknowledged_by")
        .order_by("-opened_at")
    )


def rule_list() -> QuerySet[AlertRule]:
    return AlertRule.objects.order_by("name")
