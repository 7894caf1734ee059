"""Periodic upkeep of the customer record."""

from __future__ import annotations

from celery import shared_task

from rapport.customers.services import retire_unreachable_customers


@shared_task
def retire_unreachable_customers_task() -> int:
    """Daily: retire records whose every contact point has failed (idempotent)."""
    return retire_unreachable_customers()
