"""Test builders: an order with product lines, points earned on it."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from rapport.customers.models import Customer
from rapport.loyalty.services import credit_order_points
from rapport.orders.models import Order, OrderLine
from rapport.orders.numbers import new_order_number


def order_worth(customer: Customer, *amounts: str, total: str | None = None) -> Order:
    goods = sum((Decimal(a) for a in amounts), Decimal("0.00"))
    order = Order.objects.create(
        number=new_order_number(),
        customer=customer,
        currency="GBP",
        subtotal=goods,
        total=Decimal(total) if total else goods,
        placed_at=timezone.now(),
        payment_method="cod",
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            sku=f"SKU{i}",
            name=f"Item {i}",
            quantity=1,
            unit_price=Decimal(a),
            line_total=Decimal(a),
            position=i,
        )
        for i, a in enumerate(amounts)
    )
    return order


def with_points(customer: Customer, points: int) -> Order:
    """An order delivered earlier that earned `points` (at the default rate of 1 a pound)."""
    order = order_worth(customer, f"{points}.00")
    credit_order_points(order=order, actor=None)
    return order
