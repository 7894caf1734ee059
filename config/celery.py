"""Celery application. Without REDIS_URL tasks run eagerly in the calling process."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("rapport")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs (run `celery -A config beat` beside the worker when Redis is configured).
app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "messaging-send-outbox": {
        "task": "rapport.messaging.tasks.send_outbox_task",
        "schedule": 60.0,
    },
    "customers-retire-unreachable": {
        "task": "rapport.customers.tasks.retire_unreachable_customers_task",
        "schedule": 24 * 3600.0,
    },
    "segments-refresh-rfm-and-members": {
        "task": "rapport.segments.tasks.refresh_rfm_and_segments_task",
        "schedule": 6 * 3600.0,
    },
    # Cross-sell: add new orders to the rule counts, recount everything nightly, follow-up mail.
    "recommendations-update-rules": {
        "task": "rapport.recommendations.tasks.update_rules_task",
        "schedule": 15 * 60.0,
    },
    "recommendations-recompute-rules": {
        "task": "rapport.recommendations.tasks.recompute_rules_task",
        "schedule": 24 * 3600.0,
    },
    "recommendations-refresh-picks": {
        "task": "rapport.recommendations.tasks.refresh_picks_task",
        "schedule": 6 * 3600.0,
    },
    "recommendations-follow-ups": {
        "task": "rapport.recommendations.tasks.send_follow_ups_task",
        "schedule": 3600.0,
    },
    "analytics-refresh-rollups": {
        "task": "analytics.refresh_rollups",
        "schedule": 60.0,
    },
    # Product and country cancellation counts and customer histories order scoring reads
    # (rapport/risk/counts.py, rapport/risk/history.py).
    "risk-count-cancellations": {
        "task": "risk.count_cancellations",
        "schedule": 3600.0,
    },
    # Queued storefront page views written into visits (rapport/traffic/log.py).
    "traffic-flush-events": {
        "task": "traffic.flush_events",
        "schedule": 10.0,
    },
    # Support inbox: mail a worker missed (it was down) is answered or routed late, not never.
    "support-process-pending-inbound": {
        "task": "rapport.support.tasks.process_pending_inbound_task",
        "schedule": 5 * 60.0,
    },
    # Occasions (issue 24): mine nightly, remind hourly, start scheduled / resume campaigns.
    "campaigns-refresh-occasions": {
        "task": "rapport.campaigns.tasks.refresh_occasions_task",
        "schedule": 24 * 3600.0,
    },
    "campaigns-occasion-reminders": {
        "task": "rapport.campaigns.tasks.send_occasion_reminders_task",
        "schedule": 3600.0,
    },
    "campaigns-due": {
        "task": "rapport.campaigns.tasks.send_due_campaigns_task",
        "schedule": 60.0,
    },
    # Credit: overdue invoices lower the rating and get a reminder; every rating nightly.
    "credit-remind-overdue-invoices": {
        "task": "rapport.credit.tasks.remind_overdue_invoices_task",
        "schedule": 3600.0,
    },
    "credit-refresh-ratings": {
        "task": "rapport.credit.tasks.refresh_ratings_task",
        "schedule": 24 * 3600.0,
    },
    "customervalue-refresh": {
        "task": "rapport.customervalue.tasks.refresh_customer_values_task",
        "schedule": 24 * 3600.0,
    },
    "loyalty-expire-points": {
        "task": "rapport.loyalty.tasks.expire_points_task",
        "schedule": 24 * 3600.0,
    },
    # Delivery promises learn from the store's own shipments as they accumulate.
    "delivery-retrain-model": {
        "task": "rapport.delivery.tasks.retrain_delivery_model_task",
        "schedule": 24 * 3600.0,
    },
    # Quotes whose validity date has passed are marked expired (accepting checks lazily too).
    "quotes-expire-due": {
        "task": "rapport.quotes.tasks.expire_due_quotes_task",
        "schedule": 3600.0,
    },
    # Operations (issue 22): the alert agent every minute, the encrypted backup nightly.
    "operations-evaluate-alerts": {
        "task": "rapport.operations.tasks.evaluate_alert_rules_task",
        "schedule": 60.0,
    },
    "operations-nightly-backup": {
        "task": "rapport.operations.tasks.nightly_backup_task",
        "schedule": crontab(hour=2, minute=30),
    },
    "operations-weekly-restore-drill": {
        "task": "rapport.operations.tasks.restore_drill_task",
        "schedule": crontab(day_of_week=0, hour=4, minute=0),
    },
    # Content: scheduled go-live / expiry every minute; the site checker nightly.
    "content-publish-scheduled": {
        "task": "content.publish_scheduled",
        "schedule": 60.0,
    },
    "content-check-site": {
        "task": "content.check_site",
        "schedule": 24 * 3600.0,
    },
    # Surveys (issue 23): NPS to the customers of the quarter just ended, on its first day.
    "feedback-quarterly-nps": {
        "task": "rapport.feedback.tasks.quarterly_nps_task",
        "schedule": crontab(day_of_month=1, month_of_year="1,4,7,10", hour=10, minute=0),
    },
}
