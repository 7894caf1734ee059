"""Giving money back for an order, per payment mode, through the payments services.

Always called inside a service that holds the order's row lock, so two refunds of the same
order queue and the per-payment ledger (`Refund`) can never be exceeded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Sum

from rapport.core.money import to_money
from rapport.orders.models import Order, Refund, RefundDestination
from rapport.payments import services as payments
from rapport.payments.models import Payment, PaymentMethod, PaymentStatus


def refunded_on(payment: Payment) -> Decimal:
    """What earlier refunds already gave back (or wrote off) on this payment."""
    return to_money(Refund.objects.filter(payment=payment).aggregate(s=Sum("amount"))["s"] or 0)


def refundable(order: Order) -> Decimal:
    """Money of this order that could still be given back or written off."""
    total = Decimal("0.00")
    for payment in _payments(order):
        total += _open(payment)
    return total


def _payments(order: Order) -> list[Payment]:
    return list(
        Payment.objects.select_for_update()
        .filter(order=order)
        .exclude(status__in=[PaymentStatus.FAILED, PaymentStatus.AWAITING])
        .order_by("sequence", "id")
    )


def _open(payment: Payment) -> Decimal:
    if payment.status == PaymentStatus.REFUNDED:
        return Decimal("0.00")
    if payment.status == PaymentStatus.PENDING:
        return payment.amount  # written-down amounts already left `amount`
    return payment.amount - refunded_on(payment)


def refund_order(
    *, order: Order, amount: Decimal, destination: str, reference: str, actor: Any
) -> list[Refund]:
    """Give `amount` back on a locked order, spread over its payments in sequence.

    Per mode: store credit goes back to the wallet; a card is refunded through the provider
    (or to the wallet if the customer chose store credit); money still owed (cash on delivery
    not collected yet, unpaid credit terms) is written down; collected cash and paid credit
    terms can only come back as store credit. Raises `PaymentError` when more is asked than
    is refundable.
    """
    amount = to_money(amount)
    if amount <= 0:
        return []
    if amount > refundable(order):
        raise payments.PaymentError("The refund exceeds what was paid.")
    left = amount
    refunds: list[Refund] = []
    for payment in _payments(order):
        if left <= 0:
            break
        part = min(left, _open(payment))
        if part <= 0:
            continue
        used = _give_back(order, payment, part, destination, actor)
        refunds.append(
            Refund.objects.create(
                order=order,
                payment=payment,
                amount=part,
                destination=used,
                reference=reference[:64],
                actor=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
        left -= part
    # Loyalty points follow the money: the refunded share of earned points is taken back and
    # of spent points given back.
    from rapport.loyalty.services import reverse_for_refunds

    reverse_for_refunds(order=order, actor=actor)
    return refunds


def _give_back(order: Order, payment: Payment, part: Decimal, destination: str, actor: Any) -> str:
    if payment.status == PaymentStatus.PENDING:
        payments.write_down_pending_payment(payment=payment, amount=part, actor=actor)
        return RefundDestination.ORIGINAL
    to_card = payment.method == PaymentMethod.CARD and destination == RefundDestination.ORIGINAL
    if to_card:
        payments.refund_card_payment(
            payment=payment, amount=part, actor=actor, refunded_before=refunded_on(payment)
        )
        return RefundDestination.ORIGINAL
    if order.customer is None:
        raise payments.PaymentError("This order has no customer to give store credit to.")
    payments.refund_to_wallet(customer=order.customer, amount=part, order=order, actor=actor)
    if payment.method == PaymentMethod.WALLET:
        return RefundDestination.ORIGINAL
    return RefundDestination.WALLET
