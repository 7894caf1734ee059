"""`manage.py refresh_report_rollups [--all]`: bring the report rollups up to date (the same work
as the every-minute beat task), or recompute every day with --all (after an import)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rapport.analytics.rollups import rebuild_all, refresh_changed


class Command(BaseCommand):
    help = "Refresh the report rollups (changed days, or every day with --all)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--all", action="store_true", help="recompute every day")

    def handle(self, *args: Any, **options: Any) -> None:
        days = rebuild_all() if options["all"] else refresh_changed()
        self.stdout.write(f"{days} day(s) refreshed")
