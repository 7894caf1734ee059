"""Sensible default alert rules (managers change them in the portal)."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    # name, metric, parameter, comparator, threshold, window, severity, escalate after
    ("Server errors above 5 %", "http_5xx_rate", "", "gt", "5", 1, "critical", 15),
    ("Slow pages: p95 above 2 s", "http_p95_ms", "", "gt", "2000", 5, "warning", 60),
    ("Mail waiting to be retried", "outbox_retrying", "", "gte", "1", 5, "warning", 30),
    ("Mail failed for good", "outbox_failed", "", "gte", "5", 60, "warning", None),
    ("Mail not sent for 15 minutes", "outbox_backlog", "", "gte", "20", 15, "warning", 60),
    ("Background queue backlog", "celery_queue_backlog", "", "gt", "500", 5, "warning", 30),
    ("Backup older than 26 hours", "backup_age_hours", "", "gt", "26", 60, "critical", 120),
    ("Restore drill failed", "backup_drill_failed", "", "gte", "1", 60, "critical", 240),
    ("Many orders held for risk review", "risk_held_orders", "", "gte", "10", 60, "warning", None),
    ("Fraud rules firing often", "risk_fraud_signals", "", "gte", "20", 60, "warning", None),
    ("Many products low on stock", "low_stock_products", "5", "gte", "20", 60, "info", None),
]


def add_defaults(apps, schema_editor):
    AlertRule = apps.get_model("operations", "AlertRule")
    for name, metric, parameter, comparator, threshold, window, severity, escalate in DEFAULTS:
        AlertRule.objects.get_or_create(
            name=name,
            defaults={
                "metric": metric,
                "parameter": parameter,
                "comparator": comparator,
                "threshold": Decimal(threshold),
                "window_minutes": window,
                "severity": severity,
                "escalate_after_minutes": escalate,
            },
        )


def remove_defaults(apps, schema_editor):
    AlertRule = apps.get_model("operations", "AlertRule")
    AlertRule.objects.filter(name__in=[d[0] for d in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("operations", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
