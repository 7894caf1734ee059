"""`manage.py count_order_cancellations`: recount the product and country cancellation counts
and the customer histories order scoring reads (the hourly task's work; run it after an import:
its first run counts every customer's history, the backfill)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rapport.risk.counts import count_cancellations
from rapport.risk.history import refresh_changed


class Command(BaseCommand):
    help = "Recount the cancellation counts and customer histories order scoring reads."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{refresh_changed()} customer history(ies) recounted")
        self.stdout.write(f"{count_cancellations()} count(s) written")
