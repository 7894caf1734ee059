"""Give every sellable product that has no stock record a starting quantity (demo data: the
imported catalogue carries no stock, and a product without a record cannot be sold).

    manage.py stock_untracked_products [--quantity 100]

Idempotent: products that already have a record are left alone. Each new record gets a
"restock" ledger row so the stock history still adds up.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from rapport.catalog.queries import sellable_products
from rapport.inventory.models import MoveReason, StockMove, StockRecord


class Command(BaseCommand):
    help = "Create stock records for sellable products that have none."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quantity", type=int, default=100)

    @transaction.atomic
    def handle(self, *args: Any, **opts: Any) -> None:
        quantity = max(0, opts["quantity"])
        ids = list(sellable_products().filter(stock__isnull=True).values_list("pk", flat=True))
        StockRecord.objects.bulk_create(
            [StockRecord(product_id=pk, quantity=quantity) for pk in ids], batch_size=1000
        )
        StockMove.objects.bulk_create(
            [
                StockMove(
                    product_id=pk,
                    delta=quantity,
                    quantity_after=quantity,
                    reason=MoveReason.RESTOCK,
                    note="initial demo stock",
                )
                for pk in ids
            ],
            batch_size=1000,
        )
        self.stdout.write(f"Stocked {len(ids)} products with {quantity} units each.")
