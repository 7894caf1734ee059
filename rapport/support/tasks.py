"""Celery tasks of the support inbox. They take primary keys, are idempotent and call services."""

from __future__ import annotations

import logging

from celery import shared_task

from rapport.support import inbound

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def process_inbound_task(inbound_pk: int) -> str:
    """Answer or route one received mail (a second run finds it processed and does nothing).

    An unexpected error marks the mail FAILED (its raw bytes stay) instead of retrying forever.
    """
    try:
        return inbound.process_inbound(inbound_pk)
    except Exception as exc:
        log.exception("Inbound mail %s failed", inbound_pk)
        inbound.mark_failed(inbound_pk=inbound_pk, error=repr(exc))
        return "failed"


@shared_task
def process_pending_inbound_task() -> int:
    """Periodic: process mail left unprocessed (no worker was running when it arrived)."""
    return inbound.process_pending_inbound()
