"""Celery tasks of operations: they call services and are safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task
def evaluate_alert_rules_task() -> dict[str, int]:
    """Every minute: the watch agent."""
    from rapport.operations.alerts import evaluate_alert_rules

    result = evaluate_alert_rules()
    return {
        "opened": len(result.opened),
        "escalated": len(result.escalated),
        "resolved": len(result.resolved),
    }


@shared_task
def nightly_backup_task() -> str | None:
    """Nightly: back up, then apply retention. A failure is logged and listed (and the backup
    age rule alerts when backups stop)."""
    from rapport.operations.backups import BackupError, create_backup, prune_backups

    try:
        backup = create_backup()
    except BackupError:
        log.exception("The nightly backup failed")
        return None
    prune_backups()
    return str(backup.public_id)


@shared_task
def restore_drill_task() -> bool | None:
    """Weekly: the restore drill of the latest backup; its result is kept on the backup's row,
    and the "restore drill failed" rule alerts on differences."""
    from rapport.operations.backups import BackupError, drill_backup

    try:
        return drill_backup().ok
    except BackupError:
        log.exception("The restore drill could not run")
        return None
