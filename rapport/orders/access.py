"""Who may see which order. Every view and API endpoint fetches orders only through here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from rapport.accounts.roles import is_employee
from rapport.orders.models import Order


def orders_visible_to(user: Any) -> QuerySet[Order]:
    """Employees and managers see every order; a customer only their own; anyone else none."""
    if is_employee(user):
        return Order.objects.all()
    if getattr(user, "is_authenticated", False) and not user.is_staff:
        return Order.objects.filter(customer__user=user)
    return Order.objects.none()


def get_order_for(user: Any, public_id: Any) -> Order:
    """The order with this public id if `user` may see it; Http404 otherwise (so another
    customer's order looks exactly like one that does not exist)."""
    try:
        return orders_visible_to(user).select_related("customer").get(public_id=public_id)
    except (ValidationError, Order.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such order") from exc
