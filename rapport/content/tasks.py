"""Background work for content: scheduled publishing (go-live and expiry times set in the
editor) and the nightly site check."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command


@shared_task(name="content.publish_scheduled")
def publish_scheduled() -> None:
    """Publish revisions whose go-live time has come and unpublish expired pages (Wagtail's
    `publish_scheduled` command, every minute from beat)."""
    call_command("publish_scheduled")


@shared_task(name="content.check_site")
def check_site(trigger: str = "nightly") -> int:
    """Crawl the store (RAPPORT_CHECKER_BASE_URL) and store the report; returns the run id."""
    from rapport.content.checker.services import run_check

    return run_check(trigger=trigger).pk
