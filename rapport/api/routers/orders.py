"""Orders, read-only (scope orders:read): a customer sees their own, staff every order."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from rapport.api.auth import SIGNED_IN, need
from rapport.api.pagination import LimitOffset
from rapport.orders.access import get_order_for, orders_visible_to
from rapport.orders.models import OrderLine, OrderStatus

router = Router(tags=["orders"], auth=SIGNED_IN)


def money(value: Any) -> str:
    return f"{value:.2f}"


class OrderOut(Schema):
    id: UUID
    number: str
    status: str
    placed_at: datetime
    currency: str
    total: str
    payment_method: str
    customer: UUID | None

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_total(obj: Any) -> str:
        return money(obj.total)

    @staticmethod
    def resolve_customer(obj: Any) -> UUID | None:
        return obj.customer.public_id if obj.customer_id else None


class LineOut(Schema):
    kind: str
    sku: str
    name: str
    quantity: int
    unit_price: str
    line_total: str
    discount: str

    @staticmethod
    def resolve_unit_price(obj: OrderLine) -> str:
        return money(obj.unit_price)

    @staticmethod
    def resolve_line_total(obj: OrderLine) -> str:
        return money(obj.line_total)

    @staticmethod
    def resolve_discount(obj: OrderLine) -> str:
        return money(obj.discount)


class OrderDetailOut(OrderOut):
    subtotal: str
    shipping_total: str
    shipping_method: str
    shipped_at: datetime | None
    delivered_at: datetime | None
    lines: list[LineOut]

    @staticmethod
    def resolve_subtotal(obj: Any) -> str:
        return money(obj.subtotal)

    @staticmethod
    def resolve_shipping_total(obj: Any) -> str:
        return money(obj.shipping_total)

    @staticmethod
    def resolve_lines(obj: Any) -> list[OrderLine]:
        if "lines" in getattr(obj, "_prefetched_objects_cache", {}):  # the sync's bulk read
            return list(obj.lines.all())
        return list(obj.lines.order_by("position", "id"))


class OrderFilter(Schema):
    status: OrderStatus | None = None
    customer: UUID | None = Field(None, description="Staff: one customer's orders")


@router.get("", response=list[OrderOut], url_name="orders")
@paginate(LimitOffset)
def list_orders(request: HttpRequest, filters: Query[OrderFilter]) -> Any:
    """The orders the caller may see, newest first: a customer's own, or (staff) every order.
    Scope orders:read."""
    principal = need(request, "orders:read")
    orders = orders_visible_to(principal.user).select_related("customer")
    if filters.status:
        orders = orders.filter(status=filters.status)
    if filters.customer:
        orders = orders.filter(customer__public_id=filters.customer)
    return orders.order_by("-placed_at", "-id")


@router.get("/{order_id}", response=OrderDetailOut, url_name="order")
def get_order(request: HttpRequest, order_id: UUID) -> Any:
    """One order with its lines; 404 for an order the caller may not see. Scope orders:read."""
    principal = need(request, "orders:read")
    return get_order_for(principal.user, order_id)
