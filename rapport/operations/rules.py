"""Alert rules managers edit: one write path with validation that says what is wrong."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core import audit
from rapport.operations import alert_metrics
from rapport.operations.models import AlertRule, Comparator, Severity

MAX_WINDOW_MINUTES = 24 * 60
MAX_ESCALATION_MINUTES = 7 * 24 * 60
MAX_RECIPIENTS = 20
FIELDS = (
    "name",
    "metric",
    "parameter",
    "comparator",
    "threshold",
    "window_minutes",
    "severity",
    "recipients",
    "escalate_after_minutes",
    "is_active",
)


class AlertRuleInvalid(Exception):
    """A rule refused; `field` names the offending field and the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def split_recipients(text: str) -> list[str]:
    return [a.strip() for a in text.replace(";", ",").replace("\n", ",").split(",") if a.strip()]


def clean_rule_values(values: dict[str, Any], *, rule: AlertRule | None = None) -> dict[str, Any]:
    """Check and normalise a rule's values; AlertRuleInvalid names the first bad one."""
    name = str(values.get("name") or "").strip()
    if not name:
        raise AlertRuleInvalid("name", _("Give the rule a name."))
    if len(name) > 120:
        raise AlertRuleInvalid("name", _("The name is at most 120 characters."))
    taken = AlertRule.objects.filter(name=name)
    if rule is not None:
        taken = taken.exclude(pk=rule.pk)
    if taken.exists():
        raise AlertRuleInvalid("name", _("Another rule already has this name."))

    code = str(values.get("metric") or "")
    metric = alert_metrics.get(code)
    if metric is None:
        raise AlertRuleInvalid(
            "metric", _("Unknown metric “%(metric)s”: choose one from the list.") % {"metric": code}
        )
    parameter = str(values.get("parameter") or "").strip()
    if metric.parameter_required and not parameter:
        raise AlertRuleInvalid(
            "parameter",
            _("This metric needs a parameter: %(what)s.") % {"what": metric.parameter_label},
        )
    if parameter and not metric.parameter_label:
        raise AlertRuleInvalid("parameter", _("This metric takes no parameter: leave it empty."))
    if parameter and metric.check_parameter is not None:
        try:
            metric.check_parameter(parameter)
        except ValueError as exc:
            raise AlertRuleInvalid("parameter", str(exc)) from exc

    comparator = str(values.get("comparator") or "")
    if comparator not in Comparator.values:
        raise AlertRuleInvalid("comparator", _("Choose a condition: above, below, …"))

    try:
        threshold = Decimal(str(values.get("threshold")).strip())
    except (InvalidOperation, ValueError):
        raise AlertRuleInvalid(
            "threshold", _("The threshold is a number, e.g. 5 or 2.5.")
        ) from None
    if not threshold.is_finite() or threshold < 0 or threshold >= Decimal("1e11"):
        raise AlertRuleInvalid("threshold", _("The threshold is a number from 0 upwards."))
    if metric.unit == "%" and threshold > 100:
        raise AlertRuleInvalid("threshold", _("A percentage threshold is between 0 and 100."))
    threshold = threshold.quantize(Decimal("0.001"))

    window = _whole(values.get("window_minutes"), "window_minutes")
    if window is None or not 1 <= window <= MAX_WINDOW_MINUTES:
        raise AlertRuleInvalid(
            "window_minutes", _("The window is between 1 minute and 24 hours (1440 minutes).")
        )

    severity = str(values.get("severity") or "")
    if severity not in Severity.values:
        raise AlertRuleInvalid("severity", _("Choose a severity."))

    recipients = split_recipients(str(values.get("recipients") or ""))
    if len(recipients) > MAX_RECIPIENTS:
        raise AlertRuleInvalid("recipients", _("At most 20 recipients."))
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError:
            raise AlertRuleInvalid(
                "recipients", _("“%(address)s” is not an email address.") % {"address": address}
            ) from None

    escalate = _whole(values.get("escalate_after_minutes"), "escalate_after_minutes")
    if escalate is not None and not 1 <= escalate <= MAX_ESCALATION_MINUTES:
        raise AlertRuleInvalid(
            "escalate_after_minutes",
            _("Escalation is after 1 minute to 7 days (10080 minutes), or empty for never."),
        )
    return {
        "name": name,
        "metric": code,
        "parameter": parameter,
        "comparator": comparator,
        "threshold": threshold,
        "window_minutes": window,
        "severity": severity,
        "recipients": ", ".join(recipients),
        "escalate_after_minutes": escalate,
        "is_active": bool(values.get("is_active", True)),
    }


def _whole(value: Any, field: str) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise AlertRuleInvalid(field, _("Enter a whole number of minutes.")) from None


def save_alert_rule(
    *, actor: Any, values: dict[str, Any], rule: AlertRule | None = None
) -> AlertRule:
    """Create a rule, or change `rule`, after `clean_rule_values`; audited. Raises
    AlertRuleInvalid (nothing saved) for a bad value."""
    with transaction.atomic():
        if rule is not None:
            rule = AlertRule.objects.select_for_update().get(pk=rule.pk)
        cleaned = clean_rule_values(values, rule=rule)
        created = rule is None
        if rule is None:
            rule = AlertRule(**cleaned)
        else:
            for key, value in cleaned.items():
                setattr(rule, key, value)
        rule.save()
        audit.record(
            action="alert_rule.created" if created else "alert_rule.changed",
            actor=actor,
            target=rule,
            summary=f"Alert rule “{rule.name}”",
            data={k: str(v) for k, v in cleaned.items()},
        )
    return rule


def rule_values(rule: AlertRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in FIELDS}
