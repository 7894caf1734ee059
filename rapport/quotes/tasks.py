"""Scheduled quote work: offers whose validity date has passed are marked expired."""

from __future__ import annotations

from celery import shared_task

from rapport.quotes.services import expire_due_quotes


@shared_task
def expire_due_quotes_task() -> int:
    """Mark lapsed open quotes expired (idempotent)."""
    return expire_due_quotes()
