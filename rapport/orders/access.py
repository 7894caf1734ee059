"""The one way views fetch an order: customers see only their own; staff see every order."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from rapport.accounts.roles import is_employee
from rapport.orders.models import Order


def get_order_for(user: Any, public_id: Any) -> Order:
    """The order with this public id if `user` may see it, else Http404 (no hint it exists)."""
    qs = Order.objects.select_related("customer")
    if not getattr(user, "is_authenticated", False):
        raise Http404
    if not is_employee(user):
        qs = qs.filter(customer__user=user)
    try:
        return qs.get(public_id=public_id)
    except (Order.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
