"""`manage.py count_order_cancellations`: recount the product and country cancellation counts
order scoring reads (the hourly task's work; run it after an import)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rapport.risk.counts import count_cancellations


class Command(BaseCommand):
    help = "Recount the cancellation counts per product and per country (order risk)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{count_cancellations()} count(s) written")
