"""`manage.py refresh_traffic_rollups`: recompute the traffic view's daily rollups for every day
with visits (after visits were written some other way than the event flush, e.g. a bulk load)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rapport.traffic.rollups import rebuild_visit_days


class Command(BaseCommand):
    help = "Recompute the daily traffic rollups (VisitDay, VisitTopDay) for every day."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{rebuild_visit_days()} day(s) refreshed")
