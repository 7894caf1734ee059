"""Celery tasks of the feedback app: they call services and are safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from rapport.feedback import surveys


@shared_task
def quarterly_nps_task(quarter: str = "") -> dict[str, int]:
    """NPS survey to every customer who ordered in `quarter` ("2026Q4"; default: the quarter
    before today's). A second run asks nobody twice."""
    chosen = (
        surveys.Quarter.parse(quarter)
        if quarter
        else surveys.Quarter.containing(timezone.localdate()).previous()
    )
    return surveys.send_quarterly_nps(chosen)
