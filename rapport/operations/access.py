"""The one way views fetch operations objects: managers only, 404 for anyone else."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from rapport.accounts.roles import is_manager
from rapport.operations.models import Alert, AlertRule


def get_alert_for(user: Any, public_id: Any) -> Alert:
    if not is_manager(user):
        raise Http404
    alert = Alert.objects.select_related("rule").filter(public_id=public_id).first()
    if alert is None:
        raise Http404
    return alert


def get_alert_rule_for(user: Any, pk: int) -> AlertRule:
    if not is_manager(user):
        raise Http404
    rule = AlertRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule
