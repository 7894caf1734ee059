"""Discounts a cart earns, computed by an optional pricing app (bundles in
`rapport.recommendations`). The cart page and `place_order` both call `cart_discounts`, so what
the customer sees is what they are charged."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.apps import apps


def cart_discounts(lines: Iterable[tuple[int, Decimal, int]]) -> list[Any]:
    """Discounts (each with `code`, `label`, positive `amount`) for (product id, price, qty)."""
    if not apps.is_installed("rapport.recommendations"):
        return []
    from rapport.recommendations.bundles import bundle_discounts

    return list(bundle_discounts(lines))


def discount_total(discounts: Iterable[Any]) -> Decimal:
    return sum((d.amount for d in discounts), Decimal("0.00"))
