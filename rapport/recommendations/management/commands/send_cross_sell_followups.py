from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rapport.recommendations import services


class Command(BaseCommand):
    help = "Queue one cross-sell email per recent order (marketing: consent and budget apply)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--after-days", type=int, default=3)
        parser.add_argument("--window-days", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = services.send_cross_sell_followups(
            after_days=options["after_days"], window_days=options["window_days"]
        )
        for key, value in sorted(outcomes.items()):
            self.stdout.write(f"{key}: {value}")
