"""Writes to stock. Every change is a conditional UPDATE plus a ledger row, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from rapport.catalog.models import Product
from rapport.core import audit
from rapport.inventory import live
from rapport.inventory.models import MoveReason, StockMove, StockRecord


class StockError(Exception):
    """A stock change that cannot be made."""


class OutOfStock(StockError):
    def __init__(self, product: Product, available: int, wanted: int) -> None:
        self.product = product
        self.available = available
        self.wanted = wanted
        super().__init__(
            _("Only %(n)d of “%(name)s” left (you asked for %(w)d).")
            % {"n": available, "name": product.name, "w": wanted}
        )


def take_stock_for_order(*, wanted: Iterable[tuple[Product, int]], order: Any, actor: Any) -> None:
    """Decrement stock for every (product, quantity) of an order, or raise `OutOfStock`.

    Must run inside the caller's transaction (`place_order`). Products are handled in primary-key
    order so two orders never wait on each other's rows in opposite orders (no deadlocks). Each
    decrement is a conditional `UPDATE ... WHERE quantity >= n`: the row lock it takes and the
    condition make overselling impossible whatever the concurrency, and the check constraint on
    `quantity` backs it up.
    """
    ordered = sorted(wanted, key=lambda pq: pq[0].pk)
    for product, quantity in ordered:
        updated = StockRecord.objects.filter(product=product, quantity__gte=quantity).update(
            quantity=F("quantity") - quantity
        )
        if updated != 1:
            available = (
                StockRecord.objects.filter(product=product)
                .values_list("quantity", flat=True)
                .first()
            )
            raise OutOfStock(product, available or 0, quantity)
        after = StockRecord.objects.values_list("quantity", flat=True).get(product=product)
        StockMove.objects.create(
            product=product,
            delta=-quantity,
            quantity_after=after,
            reason=MoveReason.SALE,
            order=order,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
        )
    live.publish_levels(product.pk for product, _quantity in ordered)


def adjust_stock(
    *, product: Product, delta: int, reason: str, actor: Any, note: str = ""
) -> StockRecord:
    """Staff add or remove units (restock, count correction). Audit-logged.

    Raises `StockError` for a zero change or one that would take stock below zero.
    """
    if delta == 0:
        raise StockError(_("A stock adjustment must change the quantity."))
    if reason not in MoveReason.values or reason == MoveReason.SALE:
        raise StockError(_("Choose a reason for the adjustment."))
    with transaction.atomic():
        record, _created = StockRecord.objects.get_or_create(product=product)
        record = StockRecord.objects.select_for_update().get(pk=record.pk)
        if record.quantity + delta < 0:
            raise StockError(
                _("Stock cannot go below zero (%(n)d in stock).") % {"n": record.quantity}
            )
        StockRecord.objects.filter(pk=record.pk).update(quantity=F("quantity") + delta)
        record.refresh_from_db()
        StockMove.objects.create(
            product=product,
            delta=delta,
            quantity_after=record.quantity,
            reason=reason,
            note=note[:255],
            actor=actor,
        )
        audit.record(
            action="stock.adjusted",
            actor=actor,
            target=product,
            summary=f"Stock {delta:+d} → {record.quantity} ({reason}){': ' + note if note else ''}",
            data={"delta": delta, "reason": reason, "quantity": record.quantity},
        )
        bump_catalogue_version()
        live.publish_levels([product.pk])
        return record


def bump_catalogue_version() -> None:
    """Cached catalogue fragments are keyed by this version; any change makes them stale."""
    from rapport.catalog.cache import bump_version

    transaction.on_commit(bump_version)
