"""Alert mail: queued in the outbox as a send-time message (rendered when sent, in the site's
language), so an SMTP outage delays alert mail and loses none."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from rapport.messaging import send_time

KIND = "operations-alert"
FIRING, ESCALATED, RESOLVED = "firing", "escalated", "resolved"


def manager_addresses() -> list[str]:
    from rapport.accounts.models import User
    from rapport.accounts.roles import MANAGER

    return sorted(
        set(
            User.objects.filter(is_active=True, groups__name=MANAGER)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def rule_recipients(rule: Any) -> list[str]:
    from rapport.operations.rules import split_recipients

    return split_recipients(rule.recipients) or manager_addresses()


def notify(alert: Any, event: str, recipients: list[str]) -> None:
    """Queue one mail per recipient (inside the caller's transaction: sent after commit)."""
    from rapport.messaging.services import queue_send_time_message

    label = f"[{alert.severity}] {alert.rule.name} ({event})"
    for address in recipients:
        queue_send_time_message(
            to=address,
            spec={"kind": KIND, "alert_id": alert.pk, "event": event},
            label=label,
            language=settings.LANGUAGE_CODE,
        )


def render_alert_mail(spec: dict[str, Any], language: str) -> send_time.SendTimeMail:
    from rapport.operations.models import Alert

    alert = Alert.objects.select_related("rule").get(pk=spec["alert_id"])
    ctx = {
        "alert": alert,
        "rule": alert.rule,
        "event": spec["event"],
        "site_name": settings.RAPPORT_SITE_NAME,
        "url": settings.RAPPORT_SITE_URL + reverse("portal:ops_alerts"),
    }
    with translation.override(language):
        subject = render_to_string("operations/email/alert_subject.txt", ctx)
        text = render_to_string("operations/email/alert.txt", ctx)
    return send_time.SendTimeMail(subject=" ".join(subject.split()), text=text, html="")
