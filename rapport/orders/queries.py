"""Reads of orders for the customer's history and the staff order list."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from rapport.orders.models import LineKind, Order, OrderLine, OrderStatus
from rapport.payments.models import Payment


def order_with_details(order_id: int) -> Order:
    """One order with its lines, payments and customer (three queries)."""
    return (
        Order.objects.select_related("customer")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("position", "id")),
            Prefetch("payments", queryset=Payment.objects.order_by("sequence", "id")),
        )
        .get(pk=order_id)
    )


def product_lines(order: Order) -> list[OrderLine]:
    return [line for line in order.lines.all() if line.kind == LineKind.PRODUCT]


def orders_of_user(user: Any) -> QuerySet[Order]:
    """A signed-in customer's orders, newest first."""
    return Order.objects.filter(customer__user=user).order_by("-placed_at", "-id")


def staff_order_list(
    *, search: str = "", status: str = "", payment_method: str = ""
) -> QuerySet[Order]:
    """Orders for the portal list, searchable by number or customer email, filterable by status
    and payment mode. The customer is joined so the page costs the same for 10 or 10,000 rows."""
    qs = Order.objects.select_related("customer").order_by("-placed_at", "-id")
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(customer__email__icontains=search)
            | Q(email__icontains=search)
        )
    if status:
        qs = qs.filter(status=status)
    if payment_method:
        qs = qs.filter(payment_method=payment_method)
    return qs


def order_timeline(order: Order) -> list[dict[str, Any]]:
    """The order's steps for its tracking page: placement and every status change, oldest
    first, read from the audit log (the single record of what happened)."""
    from rapport.core.models import AuditEntry

    entries = AuditEntry.objects.filter(
        object_type=Order._meta.label_lower, object_id=str(order.pk), action__startswith="order."
    ).order_by("created_at", "id")
    steps = []
    for entry in entries:
        status = entry.action.split(".", 1)[1]
        if status not in OrderStatus.values:
            continue
        steps.append(
            {
                "status": status,
                "label": OrderStatus(status).label,
                "at": entry.created_at,
                "data": entry.data,
            }
        )
    return steps
