"""Periodic work of order risk."""

from __future__ import annotations

from celery import shared_task

from rapport.risk.counts import count_cancellations
from rapport.risk.history import refresh_changed


@shared_task(name="risk.count_cancellations")
def count_cancellations_task() -> int:
    """Every hour: recount the product and country cancellation counts scoring reads, and the
    histories of the customers whose orders changed since the last run (all on the first)."""
    refresh_changed()
    return count_cancellations()
