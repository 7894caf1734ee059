"""Scheduled work: recompute RFM scores, then re-materialise rule segments (idempotent)."""

from __future__ import annotations

from celery import shared_task

from rapport.segments.services import compute_rfm, refresh_segments


@shared_task
def refresh_rfm_and_segments_task() -> dict[str, int]:
    """RFM first (rules may use it), then every active rule segment's members."""
    scored = compute_rfm()
    counts = refresh_segments()
    return {"rfm_rows": scored, **counts}
