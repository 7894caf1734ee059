"""Discounts a cart earns, computed by an optional pricing app (bundles in
`rapport.recommendations`). The cart page and `place_order` both call `cart_discounts`, so what
the customer sees is what they are charged."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.apps import apps


def in_a_bundle_sql(product_id_sql: str) -> tuple[str, list[str]]:
    """SQL (and parameters) true when the product `product_id_sql` names may earn a discount:
    the cart page reads it with its lines and calls `cart_discounts` only when one does."""
    if not apps.is_installed("rapport.recommendations"):
        return "0", []
    from rapport.recommendations.bundles import in_active_bundle_sql

    return in_active_bundle_sql(product_id_sql)


def cart_discounts(lines: Iterable[tuple[int, Decimal, int]]) -> list[Any]:
    """Discounts (each with `code`, `label`, positive `amount`) for (product id, price, qty)."""
    if not apps.is_installed("rapport.recommendations"):
        return []
    from rapport.recommendations.bundles import bundle_discounts

    return list(bundle_discounts(lines))


def discount_total(discounts: Iterable[Any]) -> Decimal:
    return sum((d.amount for d in discounts), Decimal("0.00"))
