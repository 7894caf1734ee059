"""Celery tasks of occasions and campaigns: primary keys in, idempotent, calling services."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from rapport.campaigns import occasion_services, reminders, services
from rapport.campaigns.models import Campaign, CampaignStatus

LOCK_SECONDS = 15 * 60


@shared_task(acks_late=True)
def refresh_occasions_task() -> int:
    """Mine every customer's occasions again (daily)."""
    return occasion_services.refresh_occasions().customers


@shared_task(acks_late=True)
def send_occasion_reminders_task() -> int:
    """Queue the occasion reminders due today (hourly; a second run sends nothing twice)."""
    return reminders.send_due_reminders()


@shared_task(acks_late=True)
def send_campaign_task(campaign_pk: int) -> int:
    """Send a started campaign to everyone not yet reached. One sender per campaign at a time
    (a cache lock); a crash leaves the rest to `send_due_campaigns_task`."""
    key = f"campaigns:sending:{campaign_pk}"
    if not cache.add(key, timezone.now().isoformat(), LOCK_SECONDS):
        return 0
    try:
        campaign = Campaign.objects.get(pk=campaign_pk)
        if campaign.status != CampaignStatus.SENDING:
            return 0
        return services.send_campaign(campaign=campaign)
    finally:
        cache.delete(key)


def enqueue_campaign(campaign_pk: int) -> None:
    send_campaign_task.delay(campaign_pk)


@shared_task(acks_late=True)
def send_due_campaigns_task() -> int:
    """Start scheduled campaigns whose time has come and resume sends a crash interrupted."""
    started = 0
    for campaign in services.due_campaigns():
        services.start_campaign(campaign=campaign, actor=None)
        enqueue_campaign(campaign.pk)
        started += 1
    return started
