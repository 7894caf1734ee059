"""Stock levels pushed to open staff pages (the live stock view) through the Channels layer.

The inventory services call `publish_levels` inside their transaction; the levels are read and
sent once it commits (never a number the database does not have), to the group every live stock
page joins. Redis carries it between processes in production, the in-memory layer in `make run`.
A layer failure is logged, never raised into the sale or the adjustment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)
STOCK_GROUP = "inventory.stock"


def is_low(quantity: int) -> bool:
    return quantity <= settings.RAPPORT_LOW_STOCK_THRESHOLD


def levels(product_ids: Iterable[int]) -> list[dict[str, Any]]:
    """The current level of each product, as the page and the socket show it."""
    from rapport.inventory.models import StockRecord

    rows = StockRecord.objects.filter(product_id__in=list(product_ids)).values_list(
        "product__public_id", "quantity"
    )
    return [
        {"product": str(public_id), "quantity": quantity, "low": is_low(quantity)}
        for public_id, quantity in rows
    ]


def send_levels(product_ids: list[int]) -> None:
    layer = get_channel_layer()
    if layer is None or not product_ids:
        return
    try:
        payload = {"type": "stock", "levels": levels(product_ids)}
        async_to_sync(layer.group_send)(STOCK_GROUP, {"type": "stock.event", "payload": payload})
    except Exception:  # the page still shows the truth on its next load or reconnect
        log.exception("inventory: could not publish stock levels")


def publish_levels(product_ids: Iterable[int]) -> None:
    """After the current transaction commits, tell live stock pages these products' levels."""
    ids = sorted({int(pk) for pk in product_ids})
    transaction.on_commit(lambda: send_levels(ids))
