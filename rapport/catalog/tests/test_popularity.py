from datetime import UTC, datetime
from decimal import Decimal

import pytest

from rapport.catalog.queries import featured_products
from rapport.catalog.services import recompute_popularity
from rapport.catalog.tests.factories import ProductFactory
from rapport.orders.models import LineKind, Order, OrderKind, OrderLine

pytestmark = pytest.mark.django_db


def _order(number, kind, lines):
    order = Order.objects.create(
        number=number, kind=kind, placed_at=datetime(2011, 5, 1, tzinfo=UTC), total=0
    )
    for product, qty in lines:
        OrderLine.objects.create(
            order=order,
            product=product,
            kind=LineKind.PRODUCT,
            sku=product.sku,
            name=product.name,
            quantity=qty,
            unit_price=Decimal("1.00"),
            line_total=Decimal(qty),
        )


def test_recompute_popularity_counts_units_sold_and_ignores_credit_notes():
    heart, bag, idle = ProductFactory(), ProductFactory(), ProductFactory()
    _order("1", OrderKind.ORDER, [(heart, 6), (bag, 10)])
    _order("2", OrderKind.ORDER, [(heart, 6)])
    _order("C3", OrderKind.CREDIT_NOTE, [(bag, -10)])

    assert recompute_popularity() == 3

    heart.refresh_from_db()
    bag.refresh_from_db()
    idle.refresh_from_db()
    assert (heart.popularity, bag.popularity, idle.popularity) == (12, 10, 0)
    assert featured_products(limit=5) == [heart, bag]


def test_featured_falls_back_to_newest_without_sales():
    older, newer = ProductFactory(), ProductFactory()

    assert featured_products(limit=2) == [newer, older]
