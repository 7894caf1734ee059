"""Builders for after-sales tests: an order placed through the real checkout, moved along."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.customers.models import ContactKind, Customer
from rapport.customers.services import add_contact_point
from rapport.orders.lifecycle import advance_order
from rapport.orders.models import Order, OrderStatus
from rapport.payments.models import CreditAccount
from rapport.payments.services import top_up_wallet

CARD_OK = "4242 4242 4242 4242"


def reachable(customer: Customer, *, marketing: bool = False) -> Customer:
    """Give the record an email contact point (transactional consent, marketing if asked)."""
    add_contact_point(
        customer=customer,
        kind=ContactKind.EMAIL,
        value=customer.email,
        actor=None,
        source="test",
        marketing=marketing,
    )
    return customer


def buy(
    user: Any,
    customer: Customer,
    items: list[tuple[Any, int]],
    *,
    method: str = "cod",
    key: str = "k1",
    shipping: str = "standard",
) -> Order:
    """Place an order through `place_order` (funding the wallet / credit terms as needed)."""
    if method == "wallet":
        top_up_wallet(customer=customer, amount=Decimal("1000.00"), actor=None)
    if method == "credit_terms":
        CreditAccount.objects.update_or_create(
            customer=customer, defaults={"allowed": True, "limit": Decimal("5000.00"), "days": 30}
        )
    return place_order(
        cart=cart_with(user, *items),
        customer=customer,
        address=address_for(customer),
        shipping_method=shipping,
        payment_method=method,
        idempotency_key=key,
        actor=user,
        card_number=CARD_OK if method == "card" else "",
    )


def deliver(order: Order, staff: Any) -> Order:
    """Walk an order along the happy path to delivered."""
    first = (
        OrderStatus.PACKED if order.payment_method in ("cod", "credit_terms") else OrderStatus.PAID
    )
    order = advance_order(order=order, to=first, actor=staff)
    if first == OrderStatus.PAID:
        order = advance_order(order=order, to=OrderStatus.PACKED, actor=staff)
    order = advance_order(
        order=order, to=OrderStatus.SHIPPED, actor=staff, carrier="DHL", tracking_number="JD0001"
    )
    return advance_order(order=order, to=OrderStatus.DELIVERED, actor=staff)


__all__ = ["buy", "deliver", "reachable", "stocked_product"]
