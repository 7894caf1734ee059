"""Reads of orders for the customer's history and the staff order list."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from rapport.core.money import format_money
from rapport.orders.models import LineKind, Order, OrderKind, OrderLine, OrderStatus, Refund
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
    return with_refunded_sum(Order.objects.filter(customer__user=user)).order_by(
        "-placed_at", "-id"
    )


def staff_order_list(
    *, search: str = "", status: str = "", payment_method: str = ""
) -> QuerySet[Order]:
    """Orders for the portal list, searchable by number or customer email, filterable by status
    and payment mode. The customer is joined so the page costs the same for 10 or 10,000 rows."""
    qs = with_refunded_sum(Order.objects.select_related("customer")).order_by("-placed_at", "-id")
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


def with_refunded_sum(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Each order with `refunded_sum`, what refunds gave back on it (a correlated subquery: only
    the rows shown are summed), for `status_label` on list pages."""
    per_order = (
        Refund.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return orders.annotate(refunded_sum=Subquery(per_order))


def refunded_total(order: Order) -> Decimal:
    """What refunds gave back (or wrote off) on this order."""
    known = getattr(order, "refunded_sum", None)
    if known is not None:
        return Decimal(known)
    total = Refund.objects.filter(order=order).aggregate(s=Sum("amount"))["s"]
    return Decimal(total or 0)


def status_label(order: Order) -> str:
    """The order's status in words: a return that gave back only part of the order reads
    "Partly refunded: £7.37 of £9.84", not "Refunded"."""
    if order.status == OrderStatus.REFUNDED and order.kind == OrderKind.ORDER:
        refunded = refunded_total(order)
        if Decimal(0) < refunded < order.total:
            return _("Partly refunded: %(amount)s of %(total)s") % {
                "amount": format_money(refunded, order.currency),
                "total": format_money(order.total, order.currency),
            }
    return str(order.get_status_display())


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
