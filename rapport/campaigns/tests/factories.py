"""Builders for occasion and campaign tests: customers with dated orders, products in stock."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from rapport.catalog.models import Product
from rapport.checkout.tests.factories import stocked_product
from rapport.customers.models import Customer
from rapport.customers.tests.factories import contactable
from rapport.orders.models import Order, OrderLine, OrderStatus

_numbers = itertools.count(1)


def order_on(
    customer: Customer,
    day: datetime.date | datetime.datetime,
    products: list[Product] | None = None,
    *,
    total: str = "10.00",
    status: str = OrderStatus.DELIVERED,
) -> Order:
    """A real order placed at noon (local time) on `day`, or at the given moment."""
    if isinstance(day, datetime.datetime):
        placed = day
    else:
        placed = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    order = Order.objects.create(
        number=f"T{next(_numbers):06d}",
        customer=customer,
        placed_at=placed,
        status=status,
        total=Decimal(total),
    )
    for position, product in enumerate(products or []):
        OrderLine.objects.create(
            order=order,
            product=product,
            sku=product.sku,
            name=product.name,
            quantity=1,
            unit_price=product.price or Decimal("1.00"),
            line_total=product.price or Decimal("1.00"),
            position=position,
        )
    return order


def gift_buyer(
    today: datetime.date,
    *,
    years: int = 3,
    due_in: int = 20,
    also: list[Product] | None = None,
    **kw: Any,
) -> tuple[Customer, Product]:
    """A customer who bought a gift every year 52 weeks apart (plus `also` each time), next due
    `due_in` days after today."""
    gift = stocked_product(quantity=5, name=kw.pop("gift_name", "BRASS LAMP"))
    customer = contactable(**kw)
    due = today + datetime.timedelta(days=due_in)
    for year in range(1, years + 1):
        order_on(customer, due - datetime.timedelta(days=364 * year), [gift, *(also or [])])
    return customer, gift
