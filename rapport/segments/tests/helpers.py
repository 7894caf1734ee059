"""Hand-built orders for segment and RFM tests."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from rapport.customers.models import Customer
from rapport.orders.models import Order, OrderKind, OrderLine

_numbers = itertools.count(1)


def order(
    customer: Customer,
    total: str | int,
    *,
    days_ago: int = 1,
    kind: str = OrderKind.ORDER,
    product: Any = None,
    **extra: Any,
) -> Order:
    placed = timezone.now() - datetime.timedelta(days=days_ago)
    result = Order.objects.create(
        number=f"T{next(_numbers):06d}",
        kind=kind,
        customer=customer,
        total=Decimal(str(total)),
        placed_at=placed,
        **extra,
    )
    if product is not None:
        OrderLine.objects.create(
            order=result,
            product=product,
            sku=product.sku,
            name=product.name,
            quantity=1,
            unit_price=Decimal(str(total)),
            line_total=Decimal(str(total)),
        )
    return result
