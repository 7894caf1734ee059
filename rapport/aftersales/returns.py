"""Returns (RMA): request → approve/reject → receive (stock back) → refund (exactly once).

Money rule (exact to the cent, see `orders.netting`): a return refunds the returned units at
what was paid for them — each line's net total after its allocated discounts (bundles, price
lists, points), pro rata per unit and cumulatively rounded — plus a share of the order's
shipping proportional to the net value returned so far (`shipping x returned net / goods net`,
rounded half-up, minus what earlier returns got). The return that brings the last unit back
gets the rest of the shipping, so returning everything refunds exactly the order total,
however it was split, and returning one item of a bundle never refunds more than its share of
the bundle price.
Lock order: order row → return row → payments → wallet → stock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.aftersales.errors import AftersalesError
from rapport.aftersales.models import ReturnLine, ReturnRequest, ReturnStatus
from rapport.core import audit
from rapport.orders.lifecycle import advance_order
from rapport.orders.models import LineKind, Order, OrderLine, OrderStatus, RefundDestination
from rapport.orders.netting import returned_share, shipping_share
from rapport.orders.numbers import ALPHABET

RETURNABLE = (OrderStatus.DELIVERED, OrderStatus.REFUNDED)
OPEN = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.RECEIVED)


def _number() -> str:
    import secrets

    return f"RMA{timezone.now():%y%m%d}-" + "".join(secrets.choice(ALPHABET) for _ in range(6))


def already_returned(order: Order) -> dict[int, int]:
    """Units per order line in returns that are not rejected."""
    rows = (
        ReturnLine.objects.filter(request__order=order)
        .exclude(request__status=ReturnStatus.REJECTED)
        .values("order_line_id")
        .annotate(n=Sum("quantity"))
    )
    return {r["order_line_id"]: r["n"] for r in rows}


def return_window_open(order: Order) -> bool:
    if order.delivered_at is None:
        return False
    return timezone.now() <= order.delivered_at + timedelta(
        days=settings.RAPPORT_RETURN_WINDOW_DAYS
    )


def returnable_lines(order: Order) -> list[tuple[OrderLine, int]]:
    """Product lines of the order with how many units may still be returned."""
    done = already_returned(order)
    lines = OrderLine.objects.filter(order=order, kind=LineKind.PRODUCT).order_by("position", "id")
    return [(line, line.quantity - done.get(line.pk, 0)) for line in lines]


def request_return(
    *,
    order: Order,
    quantities: Mapping[int, int],
    reason: str,
    refund_to: str,
    actor: Any,
) -> ReturnRequest:
    """The customer asks to send items back from a delivered order within the return window.

    `quantities` maps order-line ids to units (each ≤ bought minus already returned). Raises
    `AftersalesError` (outside the window, nothing chosen, too many units, no reason, another
    return still open); nothing is written then.
    """
    reason = reason.strip()
    if refund_to not in RefundDestination.values:
        raise AftersalesError(_("Choose how you want your money back."))
    if not reason:
        raise AftersalesError(_("Tell us why you are returning the items."))
    wanted = {int(k): int(v) for k, v in quantities.items() if int(v) != 0}
    if not wanted or any(v < 0 for v in wanted.values()):
        raise AftersalesError(_("Choose at least one item to return."))
    with transaction.atomic():
        locked = (
            Order.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=order.pk)
        )
        if locked.customer is None or locked.status not in RETURNABLE:
            raise AftersalesError(_("Only delivered orders can be returned."))
        if not return_window_open(locked):
            raise AftersalesError(
                _("The return window of %(d)d days has closed.")
                % {"d": settings.RAPPORT_RETURN_WINDOW_DAYS}
            )
        if ReturnRequest.objects.filter(order=locked, status__in=OPEN).exists():
            raise AftersalesError(_("A return for this order is already in progress."))
        left = {line.pk: (line, n) for line, n in returnable_lines(locked)}
        for line_id, n in wanted.items():
            if line_id not in left or n > left[line_id][1]:
                raise AftersalesError(_("You cannot return more than you bought."))
        rma = ReturnRequest.objects.create(
            number=_number(),
            order=locked,
            customer=locked.customer,
            reason=reason[:2000],
            refund_to=refund_to,
        )
        ReturnLine.objects.bulk_create(
            [ReturnLine(request=rma, order_line=left[i][0], quantity=n) for i, n in wanted.items()]
        )
        _price(rma, locked)
        advance_order(order=locked, to=OrderStatus.RETURN_REQUESTED, actor=actor, note=rma.number)
        audit.record(
            action="return.requested",
            actor=actor,
            target=rma,
            customer=locked.customer,
            summary=f"Return {rma.number} requested for order {locked.number}: "
            f"{rma.refund_amount} ({reason[:80]})",
            data={"lines": {str(k): v for k, v in wanted.items()}, "refund_to": refund_to},
        )
        return rma


def _price(rma: ReturnRequest, order: Order) -> None:
    """Fix the refund at request time: each line's net (after its allocated discounts) pro
    rata, cumulatively rounded (`orders.netting.returned_share`), plus the shipping share."""
    lines = list(rma.lines.select_related("order_line"))
    # Includes this return's lines: they were just written.
    done = already_returned(order)
    items = sum(
        (
            returned_share(
                r.order_line.net_total,
                r.order_line.quantity,
                done.get(r.order_line_id, 0) - r.quantity,
                done.get(r.order_line_id, 0),
            )
            for r in lines
        ),
        Decimal("0.00"),
    )
    goods = list(OrderLine.objects.filter(order=order, kind=LineKind.PRODUCT))
    goods_net = sum((g.net_total for g in goods), Decimal("0.00"))
    returned_net = sum(
        (
            returned_share(g.net_total, g.quantity, 0, done.get(g.pk, 0))
            for g in goods
            if g.quantity > 0
        ),
        Decimal("0.00"),
    )
    everything_back = all(done.get(g.pk, 0) >= g.quantity for g in goods if g.quantity > 0)
    earlier = ReturnRequest.objects.filter(order=order).exclude(pk=rma.pk).exclude(
        status=ReturnStatus.REJECTED
    ).aggregate(s=Sum("shipping_share"))["s"] or Decimal("0.00")
    due = shipping_share(
        order.shipping_total, goods_net, returned_net, everything_back=everything_back
    )
    shipping = min(max(due - earlier, Decimal("0.00")), order.shipping_total - earlier)
    rma.items_total, rma.shipping_share = items, shipping
    rma.refund_amount = items + shipping
    rma.save(update_fields=["items_total", "shipping_share", "refund_amount", "updated_at"])


def _step(
    rma: ReturnRequest, *, frm: tuple[str, ...], to: str, actor: Any
) -> tuple[ReturnRequest, Order]:
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=rma.order_id)
    )
    locked = ReturnRequest.objects.select_for_update().get(pk=rma.pk)
    if locked.status not in frm:
        raise AftersalesError(
            _("A return that is “%(s)s” cannot be changed that way.")
            % {"s": locked.get_status_display()}
        )
    locked.status = to
    return locked, order


def decide_return(
    *, rma: ReturnRequest, approve: bool, actor: Any, note: str = ""
) -> ReturnRequest:
    """Staff approve (the customer may send the items) or reject (the order is delivered again)."""
    with transaction.atomic():
        to = ReturnStatus.APPROVED if approve else ReturnStatus.REJECTED
        locked, order = _step(rma, frm=(ReturnStatus.REQUESTED,), to=to, actor=actor)
        locked.save(update_fields=["status", "updated_at"])
        if not approve:
            advance_order(order=order, to=OrderStatus.DELIVERED, actor=actor, note=locked.number)
        _log(locked, f"return.{to}", actor, note)
        return locked


def receive_return(*, rma: ReturnRequest, actor: Any) -> ReturnRequest:
    """The parcel arrived: the units go back into stock (inventory service)."""
    from rapport.inventory.models import MoveReason
    from rapport.inventory.services import adjust_stock

    with transaction.atomic():
        locked, order = _step(
            rma, frm=(ReturnStatus.APPROVED,), to=ReturnStatus.RECEIVED, actor=actor
        )
        locked.received_at = timezone.now()
        locked.save(update_fields=["status", "received_at", "updated_at"])
        lines = locked.lines.select_related("order_line__product").order_by(
            "order_line__product_id"
        )
        for line in lines:
            if line.order_line.product is not None:
                adjust_stock(
                    product=line.order_line.product,
                    delta=line.quantity,
                    reason=MoveReason.RESTOCK,
                    actor=actor,
                    note=f"Return {locked.number}",
                )
        advance_order(order=order, to=OrderStatus.RETURNED, actor=actor, note=locked.number)
        _log(locked, "return.received", actor)
        return locked


def refund_return(*, rma: ReturnRequest, actor: Any) -> ReturnRequest:
    """Give the return's money back once (the order and return locks make a second, concurrent
    call find it already refunded and raise `AftersalesError`)."""
    from rapport.orders.refunds import refund_order

    with transaction.atomic():
        locked, order = _step(
            rma, frm=(ReturnStatus.RECEIVED,), to=ReturnStatus.REFUNDED, actor=actor
        )
        refund_order(
            order=order,
            amount=locked.refund_amount,
            destination=locked.refund_to,
            reference=locked.number,
            actor=actor,
        )
        locked.refunded_at = timezone.now()
        locked.save(update_fields=["status", "refunded_at", "updated_at"])
        advance_order(order=order, to=OrderStatus.REFUNDED, actor=actor, note=locked.number)
        _log(locked, "return.refunded", actor, f"{locked.refund_amount}")
        return locked


def _log(rma: ReturnRequest, action: str, actor: Any, note: str = "") -> None:
    audit.record(
        action=action,
        actor=actor,
        target=rma,
        customer=rma.customer,
        summary=f"Return {rma.number}: {rma.get_status_display()}" + (f" ({note})" if note else ""),
        data={"amount": str(rma.refund_amount)},
    )
