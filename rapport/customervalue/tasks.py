"""Scheduled: every buying customer's predicted value and VIP proposal (nightly)."""

from __future__ import annotations

from celery import shared_task

from rapport.customervalue.services import refresh_customer_values


@shared_task
def refresh_customer_values_task() -> int:
    """Re-predict next-12-month spend and re-propose VIP tiers; returns customers scored."""
    return refresh_customer_values()
