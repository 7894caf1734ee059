"""Scheduled credit work: overdue invoices (hourly) and every customer's rating (nightly)."""

from __future__ import annotations

from celery import shared_task

from rapport.credit.services import refresh_ratings, remind_overdue_invoices


@shared_task
def remind_overdue_invoices_task() -> int:
    """Lower the ratings of customers with overdue invoices and remind them (idempotent)."""
    return remind_overdue_invoices()


@shared_task
def refresh_ratings_task() -> dict[str, int]:
    """Recompute every active customer's credit rating."""
    return refresh_ratings()
