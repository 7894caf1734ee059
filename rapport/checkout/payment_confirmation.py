"""A hosted card payment (Stripe) confirmed or given up by the provider, and its order with it.

The provider's word arrives as a verified webhook event or as our own server-to-server look-up
from the return page; both go through `settle`, which is idempotent and order-proof (see
`payments.services.apply_provider_state`). The browser coming back proves nothing by itself.
"""

from __future__ import annotations

import logging

from django.db import transaction

from rapport.orders.lifecycle import advance_order
from rapport.orders.models import Order, OrderStatus
from rapport.orders.receipts import queue_order_confirmation
from rapport.payments.models import PaymentStatus
from rapport.payments.providers import PaymentState, ProviderError, get_provider
from rapport.payments.services import (
    ProviderOutcome,
    apply_provider_state,
    refund_in_full_at_provider,
)

log = logging.getLogger(__name__)


def settle(
    *, provider: str, state: PaymentState, event_id: str = "", kind: str = ""
) -> ProviderOutcome:
    """Apply the provider's word to the payment, then to its order, in one transaction:

    - paid: the order becomes paid (to be packed) and its confirmation mail is queued;
    - given up (the hosted page expired): the order is cancelled and its stock goes back;
    - paid after the order was cancelled: the money is refunded in full at once.
    """
    with transaction.atomic():
        outcome = apply_provider_state(provider=provider, state=state, event_id=event_id, kind=kind)
        payment = outcome.payment
        if payment is None or not outcome.became:
            return outcome
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        if outcome.paid_too_late or (
            outcome.became == PaymentStatus.CAPTURED and order.status == OrderStatus.CANCELLED
        ):
            refund_in_full_at_provider(payment=payment, actor=None)
        elif outcome.became == PaymentStatus.CAPTURED and order.status == OrderStatus.PLACED:
            advance_order(order=order, to=OrderStatus.PAID, actor=None, note=provider)
            queue_order_confirmation(order=order, actor=None)
        elif outcome.became == PaymentStatus.FAILED and order.status == OrderStatus.PLACED:
            advance_order(order=order, to=OrderStatus.CANCELLED, actor=None, note=provider)
        return outcome


def check_with_provider(order: Order) -> None:
    """The return page: ask the provider about each payment of `order` still awaiting it (the
    webhook may be slower than the customer's browser). An unreachable provider leaves the page
    waiting for the webhook."""
    for payment in order.payments.filter(status=PaymentStatus.AWAITING).exclude(
        provider_reference=""
    ):
        try:
            state = get_provider(payment.provider).status(reference=payment.provider_reference)
        except ProviderError as exc:
            log.warning("Could not ask %s about %s: %s", payment.provider, payment.pk, exc)
            continue
        settle(provider=payment.provider, state=state)
