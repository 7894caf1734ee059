from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rapport.recommendations.refresh import refresh_picks


class Command(BaseCommand):
    help = 'Recompute the stored "Picked for you" lists (every customer, or --customer ID ...).'

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--customer", type=int, action="append", help="customer id")

    def handle(self, *args: Any, **options: Any) -> None:
        written = refresh_picks(customer_ids=options["customer"])
        self.stdout.write(f"{written} lists stored")
