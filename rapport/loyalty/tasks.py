"""Scheduled: loyalty points past their date expire (nightly)."""

from __future__ import annotations

from celery import shared_task

from rapport.loyalty.services import expire_points


@shared_task
def expire_points_task() -> int:
    """Expire what is left of points past their date; returns the points expired."""
    return expire_points()
