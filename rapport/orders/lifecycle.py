"""The order's life after checkout as an explicit state machine.

`TRANSITIONS` is the data: for each status, the statuses it may move to and an optional guard
name. `advance_order` is the only way to change an order's status: it locks the order row,
refuses anything not in the table (`IllegalTransition`, nothing written), applies the step's
side effects (shipment, stock back, refunds), writes one audit entry on the customer's timeline
and queues the customer's transactional message in the same transaction (the outbox).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.core import audit
from rapport.orders.models import LineKind, Order, OrderLine, OrderStatus, Shipment
from rapport.orders.queries import refunded_total, status_label
from rapport.payments.models import PaymentMethod

log = logging.getLogger(__name__)

S = OrderStatus
PAY_LATER = "pay_later"  # guard: cash on delivery and credit terms may be packed unpaid

TRANSITIONS: dict[str, dict[str, str | None]] = {
    S.PLACED: {S.PAID: None, S.PACKED: PAY_LATER, S.CANCELLED: None},
    S.PAID: {S.PACKED: None, S.CANCELLED: None},
    S.PACKED: {S.SHIPPED: None, S.CANCELLED: None},
    S.SHIPPED: {S.DELIVERED: None},
    S.DELIVERED: {S.RETURN_REQUESTED: None},
    # A rejected or withdrawn return puts the order back to delivered.
    S.RETURN_REQUESTED: {S.RETURNED: None, S.DELIVERED: None},
    S.RETURNED: {S.REFUNDED: None},
    # Part of an order may come back more than once.
    S.REFUNDED: {S.RETURN_REQUESTED: None},
    S.CANCELLED: {},
}

# What staff may do by hand in the portal; the return steps are driven by the returns service.
STAFF_STEPS = (S.PAID, S.PACKED, S.SHIPPED, S.DELIVERED, S.CANCELLED)
# The steps shown on the customer's tracking timeline, in order.
HAPPY_PATH = (S.PLACED, S.PAID, S.PACKED, S.SHIPPED, S.DELIVERED)


class OrderError(Exception):
    """An order change that cannot be made; the message is safe to show."""


class IllegalTransition(OrderError):
    pass


def allowed_next(order: Order) -> list[str]:
    """The statuses this order may move to now (guards applied)."""
    return [
        to for to, guard in TRANSITIONS.get(order.status, {}).items() if _guard_ok(order, guard)
    ]


def _guard_ok(order: Order, guard: str | None) -> bool:
    if guard == PAY_LATER:
        return order.payment_method in (PaymentMethod.CASH_ON_DELIVERY, PaymentMethod.CREDIT_TERMS)
    return True


def advance_order(
    *,
    order: Order,
    to: str,
    actor: Any,
    carrier: str = "",
    tracking_number: str = "",
    note: str = "",
    request: Any = None,
) -> Order:
    """Move `order` to status `to`, or raise `IllegalTransition` / `OrderError` (nothing changes).

    Shipping needs a carrier and tracking number. Cancelling releases the stock of every product
    line (inventory service) and gives back what was paid (card through the provider, store
    credit to the wallet, money still owed written off). Delivering a cash-on-delivery order
    marks its payment collected.
    """
    if to not in S.values:
        raise IllegalTransition(_("Unknown order status."))
    with transaction.atomic():
        locked = (
            Order.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=order.pk)
        )
        guard = TRANSITIONS.get(locked.status, {}).get(to, "missing")
        if guard == "missing" or not _guard_ok(locked, guard):
            raise IllegalTransition(
                _("An order that is “%(a)s” cannot become “%(b)s”.")
                % {"a": locked.get_status_display(), "b": S(to).label}
            )
        if to == S.PAID and _awaiting_card(locked):
            raise OrderError(
                _("This order waits for the customer's card payment: the provider marks it paid.")
            )
        if to in (S.PACKED, S.SHIPPED) and _held_for_review(locked):
            raise OrderError(_("This order is held for a risk review: approve it first."))
        before = locked.status
        now = timezone.now()
        fields = ["status", "updated_at"]
        extra: dict[str, Any] = {}
        if to == S.SHIPPED:
            carrier, tracking_number = carrier.strip(), tracking_number.strip()
            if not carrier or not tracking_number:
                raise OrderError(_("Shipping needs a carrier and a tracking number."))
            Shipment.objects.create(
                order=locked,
                carrier=carrier[:80],
                tracking_number=tracking_number[:100],
                shipped_at=now,
            )
            locked.shipped_at = now
            fields.append("shipped_at")
            extra = {"carrier": carrier, "tracking_number": tracking_number}
        elif to == S.PAID:
            locked.approved_at = now
            fields.append("approved_at")
            _capture_cards(locked)
        elif to == S.DELIVERED and before == S.SHIPPED:
            locked.delivered_at = now
            fields.append("delivered_at")
            _settle_cash(locked, actor)
            _credit_points(locked, actor)
        elif to == S.CANCELLED:
            extra["refunded"] = str(_cancel(locked, actor))
        if locked.estimated_delivery_at is None:
            locked.estimated_delivery_at = _promise(locked)
            fields.append("estimated_delivery_at")
        locked.status = to
        locked.save(update_fields=fields)
        if to == S.CANCELLED:
            _recount_risk_history(locked)
        audit.record(
            action=f"order.{to}",
            actor=actor,
            target=locked,
            customer=locked.customer,
            summary=f"Order {locked.number}: {S(before).label} → {S(to).label}"
            + (f" ({note})" if note else ""),
            data={"from": before, "to": to, **extra},
            request=request,
        )
        notify_customer(order=locked, step=to, actor=actor, extra=extra)
        if to == S.DELIVERED and before == S.SHIPPED:
            _ask_satisfaction(locked, actor)
        return locked


def _ask_satisfaction(order: Order, actor: Any) -> None:
    # The CSAT survey about the delivery (sent only with consent and inside the contact budget).
    from rapport.feedback.surveys import after_delivery

    after_delivery(order=order, actor=actor)


def _recount_risk_history(order: Order) -> None:
    # A cancellation changes the customer's history that order scoring reads (issue 19).
    from rapport.risk.history import refresh

    refresh([order.customer_id])


def _held_for_review(order: Order) -> bool:
    from rapport.risk.queries import is_held

    return is_held(order.pk)


def _promise(order: Order) -> datetime.datetime | None:
    from rapport.delivery.services import order_facts, promise_for

    return promise_for(order_facts(order)).promised


def _awaiting_card(order: Order) -> bool:
    from rapport.payments.models import PaymentStatus

    return order.payments.filter(status=PaymentStatus.AWAITING).exists()


def _capture_cards(order: Order) -> None:
    """Paid means the money is ours: take any card authorisation not captured yet (normally
    done right after checkout; idempotent)."""
    from rapport.payments.models import PaymentStatus
    from rapport.payments.services import capture_payment

    for payment in order.payments.filter(status=PaymentStatus.AUTHORISED):
        capture_payment(payment_id=payment.pk)


def _settle_cash(order: Order, actor: Any) -> None:
    from rapport.payments.services import settle_pending_payment

    for payment in order.payments.filter(method=PaymentMethod.CASH_ON_DELIVERY):
        settle_pending_payment(payment=payment, actor=actor)


def _credit_points(order: Order, actor: Any) -> None:
    # Loyalty points are earned on delivery (once per order: a return rejected back to
    # "delivered" earns nothing more).
    from rapport.loyalty.services import credit_order_points

    credit_order_points(order=order, actor=actor)


def _cancel(order: Order, actor: Any) -> Any:
    """Put the stock back and give back what was paid; returns the amount refunded."""
    from rapport.inventory.models import MoveReason
    from rapport.inventory.services import adjust_stock
    from rapport.orders.models import RefundDestination
    from rapport.orders.refunds import refund_order, refundable

    lines = (
        OrderLine.objects.filter(order=order, kind=LineKind.PRODUCT, product__isnull=False)
        .select_related("product")
        .order_by("product_id")  # the same lock order as place_order: no deadlocks
    )
    for line in lines:
        assert line.product is not None
        adjust_stock(
            product=line.product,
            delta=line.quantity,
            reason=MoveReason.CANCELLATION,
            actor=actor,
            note=f"Order {order.number} cancelled",
        )
    # A hosted payment page still open: closed first, so the customer cannot pay a cancelled order.
    from rapport.payments.services import abandon_awaiting_payments

    abandon_awaiting_payments(order=order, actor=actor)
    amount = refundable(order)
    refund_order(
        order=order,
        amount=amount,
        destination=RefundDestination.ORIGINAL,
        reference="cancellation",
        actor=actor,
    )
    return amount


def notify_customer(
    *, order: Order, step: str, actor: Any, extra: dict[str, Any] | None = None
) -> None:
    """Queue the transactional "your order is now …" mail (outbox; skipped, not failed, when the
    customer cannot be written to — e.g. no email on record or an opt-out)."""
    from rapport.customers.models import Purpose
    from rapport.messaging.services import MessageRefused, queue_message

    if order.customer is None:
        return
    extra = dict(extra or {})
    step_label = str(S(step).label)
    if step == S.REFUNDED:
        step_label = status_label(order)
        extra.setdefault("refunded", str(refunded_total(order)))
    try:
        queue_message(
            customer=order.customer,
            template="order_step",
            context={
                "order_number": order.number,
                "step": step,
                "step_label": step_label,
                "promise": order.estimated_delivery_at,
                **extra,
            },
            purpose=Purpose.TRANSACTIONAL,
            actor=actor,
        )
    except MessageRefused as exc:
        log.info("No %s mail for order %s: %s", step, order.number, exc)
