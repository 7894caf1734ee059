"""Send the quarterly NPS survey by hand (the beat task does it on each quarter's first day)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from rapport.feedback import surveys


class Command(BaseCommand):
    help = "NPS survey to the customers who ordered in a quarter (default: the previous one)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("quarter", nargs="?", default="", help="e.g. 2026Q4")
        parser.add_argument("--limit", type=int, default=None)

    def handle(self, *args: Any, quarter: str, limit: int | None, **options: Any) -> None:
        try:
            chosen = (
                surveys.Quarter.parse(quarter)
                if quarter
                else surveys.Quarter.containing(timezone.localdate()).previous()
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        result = surveys.send_quarterly_nps(chosen, limit=limit)
        self.stdout.write(f"{chosen}: {result['sent']} sent, {result['not_sent']} not sent")
