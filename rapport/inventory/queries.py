"""Reads of stock levels."""

from __future__ import annotations

from collections.abc import Iterable

from rapport.inventory.models import StockMove, StockRecord


def stock_levels(product_ids: Iterable[int]) -> dict[int, int]:
    """Units in stock per product id (a product without a record has 0)."""
    ids = list(product_ids)
    found = dict(
        StockRecord.objects.filter(product_id__in=ids).values_list("product_id", "quantity")
    )
    return {pk: found.get(pk, 0) for pk in ids}


def recent_moves(product_id: int, limit: int = 20) -> list[StockMove]:
    """The latest ledger rows for one product, newest first, with who made them."""
    return list(
        StockMove.objects.filter(product_id=product_id)
        .select_related("actor", "order")
        .order_by("-created_at", "-id")[:limit]
    )
