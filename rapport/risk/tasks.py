"""Periodic work of order risk."""

from __future__ import annotations

from celery import shared_task

from rapport.risk.counts import count_cancellations


@shared_task(name="risk.count_cancellations")
def count_cancellations_task() -> int:
    """Every hour: recount the product and country cancellation counts scoring reads."""
    return count_cancellations()
