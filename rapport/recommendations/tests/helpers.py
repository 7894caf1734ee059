"""Builders for cross-sell tests: rules and past orders without running the miner."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from rapport.catalog.models import Product
from rapport.customers.models import Customer
from rapport.orders.models import Order, OrderLine
from rapport.recommendations.models import ProductRule

_numbers = iter(range(1, 10**6))


def rule(a: Product, b: Product, confidence: float = 0.5, rank: int = 1) -> ProductRule:
    return ProductRule.objects.create(
        antecedent=a,
        consequent=b,
        pair_count=5,
        support=0.1,
        confidence=confidence,
        lift=2.0,
        rank=rank,
    )


def past_order(customer: Customer | None, *products: Product, **kw: Any) -> Order:
    order = Order.objects.create(
        number=f"T-{next(_numbers)}",
        customer=customer,
        placed_at=kw.pop("placed_at", timezone.now()),
        source="test",
        **kw,
    )
    for i, p in enumerate(products):
        OrderLine.objects.create(
            order=order,
            product=p,
            sku=p.sku,
            name=p.name,
            quantity=1,
            unit_price=p.price or Decimal(0),
            line_total=p.price or Decimal(0),
            position=i,
        )
    return order
