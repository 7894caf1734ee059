"""The watch agent: every minute (`evaluate_alert_rules`, a beat task) each active rule's metric
is measured and compared with its threshold.

- condition holds, no open alert: an alert opens and its recipients get mail;
- holds, alert open: the alert's values are updated (one open alert per rule — never a second
  mail); unacknowledged past the rule's escalation time it goes to every manager, once;
- no longer holds, alert open: the alert resolves and the recipients get a resolve notice.

Mail goes through the outbox (sent once, retried through an SMTP outage). Time is a parameter
so tests drive the agent with a controlled clock.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.core import audit
from rapport.operations import alert_metrics, notices
from rapport.operations.models import Alert, AlertRule, AlertStatus, Comparator

log = logging.getLogger(__name__)


class AlertError(Exception):
    """An alert action that cannot be done (already acknowledged or resolved)."""


def holds(comparator: str, value: Decimal, threshold: Decimal) -> bool:
    return {
        Comparator.ABOVE: value > threshold,
        Comparator.AT_LEAST: value >= threshold,
        Comparator.BELOW: value < threshold,
        Comparator.AT_MOST: value <= threshold,
    }[Comparator(comparator)]


@dataclass
class Evaluation:
    opened: list[Alert] = field(default_factory=list)
    escalated: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    unmeasured: list[str] = field(default_factory=list)


def measure(rule: AlertRule, now: datetime.datetime) -> Decimal | None:
    metric = alert_metrics.get(rule.metric)
    if metric is None:
        return None
    return metric.measure(rule.parameter, datetime.timedelta(minutes=rule.window_minutes), now)


def evaluate_alert_rules(*, now: datetime.datetime | None = None) -> Evaluation:
    """Evaluate every active rule once (see the module docstring). A metric that cannot be
    measured (an error, or nothing to measure) leaves its rule's state as it is."""
    now = now or timezone.now()
    result = Evaluation()
    for rule in AlertRule.objects.filter(is_active=True).order_by("pk"):
        try:
            value = measure(rule, now)
        except Exception:
            log.exception("Alert rule %s: its metric could not be measured", rule.pk)
            value = None
        if value is None:
            result.unmeasured.append(rule.name)
            continue
        _apply(rule, value, now, result)
    return result


def _apply(rule: AlertRule, value: Decimal, now: datetime.datetime, result: Evaluation) -> None:
    try:
        with transaction.atomic():
            # The rule row is the lock: two evaluators at once still open one alert.
            rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
            alert = Alert.objects.filter(rule=rule, resolved_at__isnull=True).first()
            if holds(rule.comparator, value, rule.threshold):
                if alert is None:
                    result.opened.append(_open(rule, value, now))
                else:
                    alert.last_value = value
                    alert.peak_value = _worse(rule.comparator, alert.peak_value, value)
                    alert.last_evaluated_at = now
                    alert.save(update_fields=["last_value", "peak_value", "last_evaluated_at"])
                    if _escalation_due(rule, alert, now):
                        _escalate(alert, now)
                        result.escalated.append(alert)
            elif alert is not None:
                _resolve(alert, value, now)
                result.resolved.append(alert)
    except IntegrityError:  # another evaluator opened it first (SQLite has no row locks)
        log.info("Alert rule %s: an alert is already open", rule.pk)


def _worse(comparator: str, old: Decimal, new: Decimal) -> Decimal:
    return max(old, new) if comparator in (Comparator.ABOVE, Comparator.AT_LEAST) else min(old, new)


def _open(rule: AlertRule, value: Decimal, now: datetime.datetime) -> Alert:
    alert = Alert.objects.create(
        rule=rule,
        severity=rule.severity,
        opened_at=now,
        first_value=value,
        last_value=value,
        peak_value=value,
        last_evaluated_at=now,
    )
    audit.record(
        action="alert.opened",
        target=alert,
        summary=f"Alert “{rule.name}”: {value} ({rule.get_comparator_display()} {rule.threshold})",
        data={"rule": rule.pk, "value": str(value)},
    )
    notices.notify(alert, notices.FIRING, notices.rule_recipients(rule))
    return alert


def _escalation_due(rule: AlertRule, alert: Alert, now: datetime.datetime) -> bool:
    return (
        rule.escalate_after_minutes is not None
        and alert.acknowledged_at is None
        and alert.escalated_at is None
        and now - alert.opened_at >= datetime.timedelta(minutes=rule.escalate_after_minutes)
    )


def _escalate(alert: Alert, now: datetime.datetime) -> None:
    alert.escalated_at = now
    alert.save(update_fields=["escalated_at"])
    audit.record(
        action="alert.escalated",
        target=alert,
        summary=f"Alert “{alert.rule.name}” unacknowledged: escalated to the managers",
    )
    notices.notify(alert, notices.ESCALATED, notices.manager_addresses())


def _resolve(alert: Alert, value: Decimal, now: datetime.datetime) -> None:
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = now
    alert.last_value = value
    alert.last_evaluated_at = now
    alert.save(update_fields=["status", "resolved_at", "last_value", "last_evaluated_at"])
    audit.record(
        action="alert.resolved",
        target=alert,
        summary=f"Alert “{alert.rule.name}” resolved at {value}",
    )
    recipients = notices.rule_recipients(alert.rule)
    if alert.escalated_at is not None:
        recipients = sorted(set(recipients) | set(notices.manager_addresses()))
    notices.notify(alert, notices.RESOLVED, recipients)


def acknowledge_alert(*, alert: Alert, actor: Any, now: datetime.datetime | None = None) -> Alert:
    """Someone is on it: the alert stops escalating. Raises AlertError when it is already
    acknowledged or resolved (nothing changes)."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.resolved_at is not None:
            raise AlertError("resolved")
        if alert.acknowledged_at is not None:
            raise AlertError("acknowledged")
        alert.acknowledged_at = now or timezone.now()
        alert.acknowledged_by = actor
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit.record(
            action="alert.acknowledged",
            actor=actor,
            target=alert,
            summary=f"Alert “{alert.rule.name}” acknowledged",
        )
    return alert
