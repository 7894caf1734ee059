"""Periodic work of the traffic log."""

from __future__ import annotations

from celery import shared_task

from rapport.traffic.log import flush


@shared_task(name="traffic.flush_events")
def flush_events() -> int:
    """Every 10 seconds: write the queued page views into visits (see log.py)."""
    return flush()
