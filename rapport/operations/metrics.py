"""Prometheus metrics (text format) from `prometheus_client`, collected when scraped.

django-prometheus (the usual choice) declares Django < 6.1 in its 2.5.0 requirements, and
Rapport runs Django 6.1; the figures below come from Rapport's own stores instead, through a
custom collector on a private registry (process metrics from the client library included).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.process_collector import ProcessCollector

WINDOW_SECONDS = 300


class RapportCollector:
    def collect(self) -> Iterator[Any]:
        from rapport.messaging.models import Message
        from rapport.operations.models import Alert, AlertStatus
        from rapport.operations.queries import latest_backup
        from rapport.operations.request_stats import stats

        seen = stats.window(WINDOW_SECONDS)
        requests = GaugeMetricFamily(
            "rapport_http_responses_5m",
            "Responses in the last five minutes, by class",
            labels=["class"],
        )
        requests.add_metric(["all"], seen.total)
        requests.add_metric(["5xx"], seen.errors)
        yield requests
        p95 = seen.percentile_ms(0.95)
        yield GaugeMetricFamily(
            "rapport_http_response_p95_seconds_5m",
            "95th percentile response time over the last five minutes",
            value=(p95 or 0) / 1000,
        )
        outbox = GaugeMetricFamily(
            "rapport_outbox_messages", "Outbox messages by status", labels=["status"]
        )
        rows = Message.objects.order_by().values_list("status").annotate(n=Count("id"))
        for status, count in sorted(rows):
            outbox.add_metric([status], count)
        yield outbox
        backup = latest_backup()
        yield GaugeMetricFamily(
            "rapport_backup_age_seconds",
            "Seconds since the newest complete backup (-1: none yet)",
            value=(timezone.now() - backup.created_at).total_seconds() if backup else -1,
        )
        firing = GaugeMetricFamily(
            "rapport_alerts_firing", "Open alerts by severity", labels=["severity"]
        )
        for severity in ("info", "warning", "critical"):
            firing.add_metric(
                [severity],
                Alert.objects.filter(status=AlertStatus.FIRING, severity=severity).count(),
            )
        yield firing


def exposition() -> tuple[bytes, str]:
    registry = CollectorRegistry()
    registry.register(RapportCollector())
    ProcessCollector(registry=registry)
    return generate_latest(registry), CONTENT_TYPE_LATEST
