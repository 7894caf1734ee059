"""`manage.py evaluate_alerts`: run the watch agent once (cron, when there is no Celery beat)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rapport.operations.alerts import evaluate_alert_rules


class Command(BaseCommand):
    help = "Evaluate every active alert rule once."

    def handle(self, *args: Any, **options: Any) -> None:
        result = evaluate_alert_rules()
        self.stdout.write(
            f"opened {len(result.opened)}, escalated {len(result.escalated)}, "
            f"resolved {len(result.resolved)}"
        )
