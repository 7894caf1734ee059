"""`{% order_next_steps order as steps %}`: the steps staff may take on an order now."""

from __future__ import annotations

from typing import Any

from django import template

from rapport.orders.lifecycle import STAFF_STEPS, allowed_next
from rapport.orders.models import OrderStatus

register = template.Library()


@register.simple_tag
def order_next_steps(order: Any) -> list[dict[str, str]]:
    return [
        {"value": s, "label": str(OrderStatus(s).label)}
        for s in allowed_next(order)
        if s in STAFF_STEPS
    ]
