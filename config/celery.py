"""Celery application. Without REDIS_URL tasks run eagerly in the calling process."""

import os

from celery import Celery

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
    "recommendations-follow-ups": {
        "task": "rapport.recommendations.tasks.send_follow_ups_task",
        "schedule": 3600.0,
    },
    # Delivery promises learn from the store's own shipments as they accumulate.
    "delivery-retrain-model": {
        "task": "rapport.delivery.tasks.retrain_delivery_model_task",
        "schedule": 24 * 3600.0,
    },
}
