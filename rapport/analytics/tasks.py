"""Periodic work of the analytics domain."""

from __future__ import annotations

from celery import shared_task

from rapport.analytics.rollups import refresh_changed


@shared_task(name="analytics.refresh_rollups")
def refresh_rollups() -> int:
    """Every minute: bring the report rollups up to date with changed orders (idempotent)."""
    return refresh_changed()
