"""Reads for the checkout pages."""

from __future__ import annotations

from rapport.customers.models import Customer
from rapport.orders.models import Order
from rapport.payments.models import Payment, PaymentMethod, PaymentStatus


def placed_order_for(customer: Customer, idempotency_key: str) -> Order | None:
    """The order this customer already placed with this checkout attempt's key, if any."""
    if not idempotency_key:
        return None
    return Order.objects.filter(customer=customer, idempotency_key=idempotency_key).first()


def awaiting_payment(order: Order) -> Payment | None:
    """The card payment of `order` still waiting for the customer or the provider, if any."""
    return (
        Payment.objects.filter(
            order=order, method=PaymentMethod.CARD, status=PaymentStatus.AWAITING
        )
        .order_by("id")
        .first()
    )


def paid_by_card(order: Order) -> bool:
    """Whether a card payment of `order` has been made (captured, perhaps refunded since)."""
    return Payment.objects.filter(
        order=order,
        method=PaymentMethod.CARD,
        status__in=[PaymentStatus.CAPTURED, PaymentStatus.REFUNDED],
    ).exists()
