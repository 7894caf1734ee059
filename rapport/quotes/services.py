"""Writes of quotes: create and edit a draft, send, counter, accept, decline, withdraw, expire.

Every function runs in one transaction that locks the quote row first (so two answers to the
same version are serialised: the second sees what the first did), writes one audit entry on the
customer's timeline, and queues its notice after commit. The side an actor speaks for is
derived from who they are — an employee for the shop, the quote's own customer for the
customer — never from input.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.roles import is_employee, is_manager
from rapport.checkout.services import NegotiatedDeal, NegotiatedLine, place_negotiated_order
from rapport.core import audit
from rapport.core.money import line_total
from rapport.customers.models import Customer
from rapport.orders.models import Order
from rapport.quotes import notices
from rapport.quotes.delivery import Delivery, delivery_for
from rapport.quotes.lines import (
    LineInput,
    QuoteError,
    check_lines,
    check_note,
    check_valid_until,
)
from rapport.quotes.models import (
    OPEN_STATUSES,
    Quote,
    QuoteLine,
    QuoteStatus,
    QuoteVersion,
    Side,
)

NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

__all__ = [
    "Delivery",
    "LineInput",
    "QuoteError",
    "accept_quote",
    "acknowledge_quote",
    "counter_quote",
    "create_quote",
    "decline_quote",
    "delivery_for",
    "expire_due_quotes",
    "send_quote",
    "update_draft",
    "withdraw_quote",
]


def _new_number() -> str:
    return "Q-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))


def _lock(quote: Quote) -> Quote:
    return Quote.objects.select_for_update().select_related("customer").get(pk=quote.pk)


def _latest(quote: Quote) -> QuoteVersion:
    return QuoteVersion.objects.get(quote=quote, number=quote.latest_number)


def _side_of(actor: Any, quote: Quote) -> str:
    """STAFF for the quote's owner or a manager, CUSTOMER for the quote's own customer;
    QuoteError for anyone else (an access helper should have stopped them already)."""
    if is_employee(actor):
        if actor.pk == quote.owner_id or is_manager(actor):
            return Side.STAFF
        raise QuoteError(_("This quote belongs to a colleague."))
    if getattr(actor, "is_authenticated", False) and actor.pk == quote.customer.user_id:
        return Side.CUSTOMER
    raise QuoteError(_("This quote is not yours."))


def _write_lines(version: QuoteVersion, lines: list[LineInput]) -> Decimal:
    QuoteLine.objects.bulk_create(
        [
            QuoteLine(
                version=version,
                product=line.product,
                sku=line.product.sku,
                name=line.product.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                position=i,
            )
            for i, line in enumerate(lines)
        ]
    )
    return sum((line_total(x.unit_price, x.quantity) for x in lines), Decimal("0.00"))


def _record(quote: Quote, action: str, actor: Any, summary: str, **data: Any) -> None:
    audit.record(
        action=f"quote.{action}",
        actor=actor,
        target=quote,
        customer=quote.customer,
        summary=f"Quote {quote.number}: {summary}",
        data={"quote": str(quote.public_id), "version": quote.latest_number, **data},
    )


def _lapsed(version: QuoteVersion, today: date | None = None) -> bool:
    return (today or timezone.localdate()) > version.valid_until


def create_quote(
    *,
    customer: Customer,
    actor: Any,
    lines: Iterable[LineInput],
    valid_until: date,
    note: str = "",
    public_id: Any = None,
) -> Quote:
    """An employee starts a quote for a customer: a draft (version 1) only staff see.

    Raises QuoteError for a non-employee, an erased or merged customer, bad lines or a past
    validity date; nothing is written then. `public_id` is the id an offline client chose for
    the quote (`rapport.sync`); a taken one raises QuoteError.
    """
    if not is_employee(actor):
        raise QuoteError(_("Only staff can start a quote."))
    if public_id is not None and Quote.objects.filter(public_id=public_id).exists():
        raise QuoteError(_("A quote with this id exists already."))
    if customer.erased_at is not None or customer.merged_into_id is not None:
        raise QuoteError(_("This customer record is closed."))
    checked = check_lines(lines)
    valid_until = check_valid_until(valid_until)
    note = check_note(note)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                quote = Quote.objects.create(
                    **({"public_id": public_id} if public_id is not None else {}),
                    number=_new_number(),
                    customer=customer,
                    owner=actor,
                    latest_number=1,
                )
                version = QuoteVersion.objects.create(
                    quote=quote,
                    number=1,
                    side=Side.STAFF,
                    author=actor,
                    note=note,
                    valid_until=valid_until,
                )
                version.total = _write_lines(version, checked)
                version.save(update_fields=["total", "updated_at"])
                _record(quote, "created", actor, "draft started", total=str(version.total))
                return quote
        except IntegrityError:  # a number clash (vanishingly rare): draw another
            continue
    raise QuoteError(_("The quote could not be saved. Please try again."))


def update_draft(
    *,
    quote: Quote,
    actor: Any,
    lines: Iterable[LineInput],
    valid_until: date,
    note: str = "",
) -> QuoteVersion:
    """Replace the lines, validity and note of a quote that is still a draft.

    Raises QuoteError once the quote was sent (a sent version never changes), for someone other
    than its owner or a manager, or for bad input; nothing is written then.
    """
    checked = check_lines(lines)
    valid_until = check_valid_until(valid_until)
    note = check_note(note)
    with transaction.atomic():
        locked = _lock(quote)
        if _side_of(actor, locked) != Side.STAFF:
            raise QuoteError(_("Only staff can edit a draft."))
        if locked.status != QuoteStatus.DRAFT:
            raise QuoteError(_("This quote was sent: make a counter-offer instead."))
        version = _latest(locked)
        version.lines.all().delete()
        version.total = _write_lines(version, checked)
        version.valid_until = valid_until
        version.note = note
        version.save(update_fields=["total", "valid_until", "note", "updated_at"])
        locked.save(update_fields=["updated_at"])
        _record(locked, "draft_edited", actor, "draft edited", total=str(version.total))
        return version


def send_quote(*, quote: Quote, actor: Any) -> Quote:
    """Send a draft to the customer: version 1 becomes immutable and the customer is mailed.

    Raises QuoteError when it is not a draft, its validity date has passed, or a product on it
    is no longer on sale.
    """
    with transaction.atomic():
        locked = _lock(quote)
        if _side_of(actor, locked) != Side.STAFF:
            raise QuoteError(_("Only staff can send a quote."))
        if locked.status != QuoteStatus.DRAFT:
            raise QuoteError(_("This quote was already sent."))
        version = _latest(locked)
        check_valid_until(version.valid_until)
        check_lines(_inputs(version))
        version.sent_at = timezone.now()
        version.save(update_fields=["sent_at", "updated_at"])
        locked.status = QuoteStatus.SENT
        locked.save(update_fields=["status", "updated_at"])
        _record(locked, "sent", actor, "offer sent", total=str(version.total))
        notices.tell_customer(quote=locked, version=version, event="sent", actor=actor)
        return locked


def _inputs(version: QuoteVersion) -> list[LineInput]:
    return [
        LineInput(product=x.product, quantity=x.quantity, unit_price=x.unit_price)
        for x in version.lines.select_related("product")
    ]


def counter_quote(
    *,
    quote: Quote,
    actor: Any,
    answering: int,
    lines: Iterable[LineInput],
    valid_until: date,
    note: str = "",
) -> QuoteVersion:
    """Answer the latest version with a counter-offer: a new, immediately sent version.

    `answering` is the version number the actor saw: when the other side has countered since,
    the counter is refused rather than silently answering something unseen. The shop may change
    any line and add products; the customer may change quantities and prices of the products
    already offered (or drop some). The customer is mailed a shop counter; the owner gets a task
    for a customer counter.

    Raises QuoteError for a closed or draft quote, a lapsed latest version (the quote is then
    marked expired), the same side countering itself, a stale `answering`, or bad lines.
    """
    checked = check_lines(lines)
    valid_until = check_valid_until(valid_until)
    note = check_note(note)
    with transaction.atomic():
        locked = _lock(quote)
        side = _side_of(actor, locked)
        latest = _check_answerable(locked, side, answering)
        if _lapsed(latest):
            _expire(locked, actor)  # committed: the refusal below leaves it expired
        else:
            if side == Side.CUSTOMER:
                offered = set(latest.lines.values_list("product_id", flat=True))
                if any(x.product.pk not in offered for x in checked):
                    raise QuoteError(_("You can change the products offered, not add new ones."))
            version = QuoteVersion.objects.create(
                quote=locked,
                number=latest.number + 1,
                side=side,
                author=actor,
                note=note,
                valid_until=valid_until,
                sent_at=timezone.now(),
            )
            version.total = _write_lines(version, checked)
            version.save(update_fields=["total", "updated_at"])
            locked.latest_number = version.number
            locked.status = QuoteStatus.COUNTERED
            locked.needs_staff_attention = side == Side.CUSTOMER
            locked.save(
                update_fields=["latest_number", "status", "needs_staff_attention", "updated_at"]
            )
            _record(
                locked,
                "countered",
                actor,
                f"counter-offer v{version.number} by {side}",
                side=side,
                total=str(version.total),
            )
            if side == Side.STAFF:
                notices.tell_customer(quote=locked, version=version, event="countered", actor=actor)
            else:
                notices.tell_owner(quote=locked)
            return version
    raise QuoteError(_("This offer has expired."))


def _check_answerable(locked: Quote, side: str, answering: int | None) -> QuoteVersion:
    if locked.status == QuoteStatus.DRAFT:
        raise QuoteError(_("This quote has not been sent yet."))
    if locked.status not in OPEN_STATUSES:
        raise QuoteError(
            _("This quote is closed (%(status)s).") % {"status": locked.get_status_display()}
        )
    if answering is not None and answering != locked.latest_number:
        raise QuoteError(_("There is a newer version of this quote: please look at it first."))
    latest = _latest(locked)
    if latest.side == side:
        raise QuoteError(_("This is your own offer: wait for the other side's answer."))
    return latest


def accept_with_choices(
    *, quote: Quote, actor: Any, answering: int, choices: Mapping[str, str]
) -> Order:
    """`accept_quote` with the delivery the accepting person chose on the page (`address`,
    `shipping`, `payment`, `card_number`): the same for staff and customer, so both pages stay
    one call. Raises what `delivery_for` and `accept_quote` raise."""
    delivery = delivery_for(
        customer=quote.customer,
        address_id=choices.get("address", ""),
        shipping_method=choices.get("shipping", ""),
        payment_method=choices.get("payment", ""),
        card_number=choices.get("card_number", ""),
    )
    return accept_quote(quote=quote, actor=actor, answering=answering, delivery=delivery)


def accept_quote(*, quote: Quote, actor: Any, answering: int, delivery: Delivery) -> Order:
    """Accept the latest version: it becomes exactly one order, placed through the normal
    checkout path (`place_negotiated_order`: stock locked and checked, payment mode checked
    against the customer's credit rating, idempotency keyed on the version) at the agreed
    prices.

    Only the side that did not make the latest version may accept it, only while it is valid.
    A repeat of the same acceptance (double click, retry) returns the same order. Raises
    QuoteError (old version, own version, closed or lapsed quote — a lapsed one is marked
    expired), or what placing the order raises (`CheckoutError`, `OutOfStock`,
    `PaymentError`); then nothing else is written and the quote stays open.
    """
    with transaction.atomic():
        locked = _lock(quote)
        side = _side_of(actor, locked)
        if (
            locked.status == QuoteStatus.ACCEPTED
            and locked.order_id is not None
            and answering == locked.latest_number
            and _latest(locked).side != side
        ):
            return Order.objects.get(pk=locked.order_id)  # the same acceptance, again
        latest = _check_answerable(locked, side, answering)
        if _lapsed(latest):
            _expire(locked, actor)  # committed: the refusal below leaves it expired
        else:
            deal = NegotiatedDeal(
                reference=f"quote {locked.number} v{latest.number}",
                lines=tuple(
                    NegotiatedLine(x.product_id, x.quantity, x.unit_price)
                    for x in latest.lines.order_by("position", "id")
                ),
            )
            order = place_negotiated_order(
                deal=deal,
                customer=locked.customer,
                address=delivery.address,
                shipping_method=delivery.shipping_method,
                payment_method=delivery.payment_method,
                idempotency_key=f"quote-{latest.public_id.hex}",
                actor=actor,
                card_number=delivery.card_number,
            )
            locked.status = QuoteStatus.ACCEPTED
            locked.order = order
            locked.closed_at = timezone.now()
            locked.needs_staff_attention = side == Side.CUSTOMER
            locked.save(
                update_fields=[
                    "status",
                    "order",
                    "closed_at",
                    "needs_staff_attention",
                    "updated_at",
                ]
            )
            _record(
                locked,
                "accepted",
                actor,
                f"v{latest.number} accepted by {side}: order {order.number}",
                side=side,
                order=order.number,
                total=str(order.total),
            )
            if side == Side.CUSTOMER:
                notices.tell_owner(quote=locked)
            return order
    raise QuoteError(_("This offer has expired."))


def decline_quote(*, quote: Quote, actor: Any, note: str = "") -> Quote:
    """The customer turns the negotiation down. Raises QuoteError for staff (they withdraw) or
    a quote that is not open."""
    note = check_note(note)
    with transaction.atomic():
        locked = _lock(quote)
        if _side_of(actor, locked) != Side.CUSTOMER:
            raise QuoteError(_("Staff withdraw a quote rather than decline it."))
        _check_open(locked)
        locked.needs_staff_attention = True
        _close(locked, QuoteStatus.DECLINED)
        _record(locked, "declined", actor, "declined by the customer", note=note)
        notices.tell_owner(quote=locked)
        return locked


def withdraw_quote(*, quote: Quote, actor: Any) -> Quote:
    """The shop takes its quote back (a draft or an open negotiation); the customer is told
    when it had been sent. Raises QuoteError for the customer or a closed quote."""
    with transaction.atomic():
        locked = _lock(quote)
        if _side_of(actor, locked) != Side.STAFF:
            raise QuoteError(_("Only staff can withdraw a quote."))
        was_sent = locked.status != QuoteStatus.DRAFT
        if locked.status != QuoteStatus.DRAFT:
            _check_open(locked)
        locked.needs_staff_attention = False
        _close(locked, QuoteStatus.WITHDRAWN)
        _record(locked, "withdrawn", actor, "withdrawn by the shop")
        if was_sent:
            notices.tell_customer(
                quote=locked, version=_latest(locked), event="withdrawn", actor=actor
            )
        return locked


def acknowledge_quote(*, quote: Quote, actor: Any) -> None:
    """The owner (or a manager) has seen the customer's answer: it leaves their task list."""
    with transaction.atomic():
        locked = _lock(quote)
        if _side_of(actor, locked) != Side.STAFF:
            raise QuoteError(_("Only staff can do this."))
        if locked.needs_staff_attention:
            locked.needs_staff_attention = False
            locked.save(update_fields=["needs_staff_attention", "updated_at"])


def _check_open(locked: Quote) -> None:
    if locked.status not in OPEN_STATUSES:
        raise QuoteError(
            _("This quote is closed (%(status)s).") % {"status": locked.get_status_display()}
        )


def _close(locked: Quote, status: str) -> None:
    locked.status = status
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at", "needs_staff_attention", "updated_at"])


def _expire(locked: Quote, actor: Any) -> None:
    _close(locked, QuoteStatus.EXPIRED)
    _record(locked, "expired", actor, "expired (validity date passed)")


def expire_due_quotes(*, today: date | None = None) -> int:
    """Mark open quotes whose latest version's validity date has passed as expired (beat task;
    accepting or countering checks lazily too). Idempotent; returns how many were expired."""
    today = today or timezone.localdate()
    lapsed = QuoteVersion.objects.filter(
        quote=OuterRef("pk"), number=OuterRef("latest_number"), valid_until__lt=today
    )
    due = Quote.objects.filter(Exists(lapsed), status__in=OPEN_STATUSES)
    count = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            locked = Quote.objects.select_for_update().select_related("customer").get(pk=pk)
            if locked.status in OPEN_STATUSES and _lapsed(_latest(locked), today):
                _expire(locked, None)
                count += 1
    return count
