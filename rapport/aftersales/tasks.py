"""Celery tasks of after-sales. They take primary keys, are idempotent and call services."""

from __future__ import annotations

from celery import shared_task

from rapport.aftersales import upgrades
from rapport.aftersales.models import UpgradeNotice


@shared_task(acks_late=True)
def send_upgrade_notice_task(notice_pk: int) -> int:
    """Send a published notice to every past buyer not yet reached (running it twice, or again
    after a crash, sends nobody a second copy)."""
    notice = UpgradeNotice.objects.select_related("product", "new_product").get(pk=notice_pk)
    return upgrades.send_notice(notice=notice)
