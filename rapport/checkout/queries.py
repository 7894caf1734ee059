"""Reads for the checkout pages."""

from __future__ import annotations

from rapport.customers.models import Customer
from rapport.orders.models import Order


def placed_order_for(customer: Customer, idempotency_key: str) -> Order | None:
    """The order this customer already placed with this checkout attempt's key, if any."""
    if not idempotency_key:
        return None
    return Order.objects.filter(customer=customer, idempotency_key=idempotency_key).first()
