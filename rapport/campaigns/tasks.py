"""Celery tasks of occasions and campaigns: primary keys in, idempotent, calling services."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.conf import settings

from rapport.campaigns import occasion_services, reminders, services
from rapport.campaigns.models import Campaign, CampaignStatus


@shared_task(acks_late=True)
def refresh_occasions_task() -> int:
    """Mine every customer's occasions again (daily)."""
    return occasion_services.refresh_occasions().customers


@shared_task(acks_late=True)
def send_occasion_reminders_task() -> int:
    """Queue the occasion reminders due today (hourly; a second run sends nothing twice)."""
    return reminders.send_due_reminders()


@shared_task(bind=True, acks_late=True)
def send_campaign_task(self: Any, campaign_pk: int) -> int:
    """Send a started campaign to everyone not yet reached. The task that cuts the audience into
    slices enqueues RAPPORT_CAMPAIGN_SEND_TASKS - 1 more on its own queue, so that many workers
    (or one worker's processes) share the slices; a crash leaves the rest to
    `send_due_campaigns_task`. Any number of these may run at once for one campaign."""
    campaign = Campaign.objects.filter(pk=campaign_pk).first()
    if campaign is None or campaign.status != CampaignStatus.SENDING:
        return 0
    if services.plan_batches(campaign=campaign) and not self.request.is_eager:
        queue = (self.request.delivery_info or {}).get("routing_key")
        for _helper in range(settings.RAPPORT_CAMPAIGN_SEND_TASKS - 1):
            self.apply_async(args=[campaign_pk], queue=queue)
    return services.send_campaign(campaign=campaign)


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
