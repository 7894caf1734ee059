"""Manager pages for operations (issue 22): backups, open alerts and their history, and the
alert rules with their validation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core.access import manager_required
from rapport.operations import alert_metrics, queries
from rapport.operations.access import get_alert_for, get_alert_rule_for
from rapport.operations.alerts import AlertError, acknowledge_alert
from rapport.operations.models import AlertRule, Comparator, Severity
from rapport.operations.rules import AlertRuleInvalid, rule_values, save_alert_rule
from rapport.operations.tasks import nightly_backup_task


@manager_required
def backups(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/operations/backups.html",
        {"backups": queries.backup_list()[:100], "latest": queries.latest_backup()},
    )


@manager_required
@require_POST
def backup_run(request: HttpRequest) -> HttpResponse:
    nightly_backup_task.delay()
    messages.success(request, _("Backup started: it appears in the list when it is done."))
    return redirect("portal:ops_backups")


@manager_required
def alerts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/operations/alerts.html",
        {"open": queries.open_alerts(), "history": queries.alert_history()[:100]},
    )


@manager_required
@require_POST
def alert_acknowledge(request: HttpRequest, public_id: str) -> HttpResponse:
    alert = get_alert_for(request.user, public_id)
    try:
        acknowledge_alert(alert=alert, actor=request.user)
    except AlertError:
        messages.error(request, _("This alert is already acknowledged or resolved."))
    else:
        messages.success(request, _("Alert acknowledged: it will not be escalated."))
    return redirect("portal:ops_alerts")


@manager_required
def alert_rules(request: HttpRequest) -> HttpResponse:
    metrics = {m.code: m for m in alert_metrics.METRICS.values()}
    rows = [(rule, metrics.get(rule.metric)) for rule in queries.rule_list()]
    return render(request, "portal/operations/rules.html", {"rows": rows})


def _rule_form(request: HttpRequest, rule: AlertRule | None) -> HttpResponse:
    values: dict[str, Any] = (
        rule_values(rule)
        if rule
        else {
            "comparator": Comparator.ABOVE,
            "severity": Severity.WARNING,
            "window_minutes": 5,
            "is_active": True,
        }
    )
    error: AlertRuleInvalid | None = None
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in rule_values(AlertRule())}
        values["is_active"] = request.POST.get("is_active") == "on"
        try:
            save_alert_rule(actor=request.user, values=values, rule=rule)
        except AlertRuleInvalid as exc:
            error = exc
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Alert rule saved."))
            return redirect("portal:ops_alert_rules")
    return render(
        request,
        "portal/operations/rule_form.html",
        {
            "rule": rule,
            "values": values,
            "error": error,
            "metrics": list(alert_metrics.METRICS.values()),
            "comparators": Comparator.choices,
            "severities": Severity.choices,
        },
        status=400 if error else 200,
    )


@manager_required
def alert_rule_new(request: HttpRequest) -> HttpResponse:
    return _rule_form(request, None)


@manager_required
def alert_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _rule_form(request, get_alert_rule_for(request.user, pk))
