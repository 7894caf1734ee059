"""Service tickets on an order line: free under warranty or a service plan, otherwise priced
and paid (through the normal payment modes) before work starts."""

from __future__ import annotations

import contextlib
import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.aftersales.errors import AftersalesError
from rapport.aftersales.models import (
    Coverage,
    ProductWarranty,
    ServicePlan,
    ServiceTicket,
    TicketMessage,
    TicketStatus,
)
from rapport.core import audit
from rapport.core.money import format_money, to_money
from rapport.orders.models import LineKind, Order, OrderLine, OrderStatus
from rapport.orders.numbers import ALPHABET, new_order_number

T = TicketStatus
# Which ticket statuses may follow which; payment moves AWAITING_PAYMENT → IN_PROGRESS.
TICKET_STEPS: dict[str, tuple[str, ...]] = {
    T.OPEN: (T.IN_PROGRESS, T.RESOLVED, T.CLOSED),
    T.AWAITING_PAYMENT: (T.CLOSED,),
    T.IN_PROGRESS: (T.RESOLVED, T.CLOSED),
    T.RESOLVED: (T.CLOSED, T.IN_PROGRESS),
    T.CLOSED: (),
}
SERVICE_PAYMENT_MODES = ("wallet", "card", "credit_terms")


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    import calendar

    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_until(line: OrderLine) -> date | None:
    """Last day of the line's warranty (from delivery, or placement if never delivered)."""
    order = line.order
    start = order.delivered_at or order.placed_at
    if start is None:
        return None
    months = settings.RAPPORT_WARRANTY_MONTHS
    if line.product_id is not None:
        found = ProductWarranty.objects.filter(product_id=line.product_id).first()
        if found is not None:
            months = found.months
    return add_months(timezone.localtime(start).date(), months)


def coverage_for(line: OrderLine, *, today: date | None = None) -> str:
    """Warranty first, then an active service plan for the product (or any product), else paid."""
    today = today or timezone.localdate()
    until = warranty_until(line)
    if until is not None and today <= until:
        return Coverage.WARRANTY
    plans = ServicePlan.objects.filter(customer=line.order.customer, valid_until__gte=today)
    if plans.filter(Q(product=line.product) | Q(product__isnull=True)).exists():
        return Coverage.PLAN
    return Coverage.PAID


def open_ticket(*, line: OrderLine, subject: str, body: str, actor: Any) -> ServiceTicket:
    """The customer opens a ticket about a bought item. Raises `AftersalesError` for an empty
    subject/message, a non-product line or an order that was never fulfilled."""
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise AftersalesError(_("Give the ticket a subject and describe the problem."))
    order = line.order
    if line.kind != LineKind.PRODUCT or order.customer is None:
        raise AftersalesError(_("Choose one of the items you bought."))
    if order.status in (OrderStatus.PLACED, OrderStatus.CANCELLED):
        raise AftersalesError(_("Service starts once the order has been fulfilled."))
    coverage = coverage_for(line)
    with transaction.atomic():
        ticket = ServiceTicket.objects.create(
            number=f"T{timezone.now():%y%m%d}-"
            + "".join(secrets.choice(ALPHABET) for _ in range(6)),
            customer=order.customer,
            order_line=line,
            subject=subject[:200],
            coverage=coverage,
        )
        TicketMessage.objects.create(ticket=ticket, author=_user(actor), body=body[:5000])
        _log(ticket, "ticket.opened", actor, f"{subject[:80]} — {ticket.get_coverage_display()}")
        # The help-centre articles they read first go on the timeline with the ticket.
        from rapport.support.knowledge import record_reads_before_ticket

        record_reads_before_ticket(
            customer=order.customer, ticket_label=f"ticket {ticket.number}", actor=actor
        )
        _notify(ticket, actor, _("We received your request."))
        return ticket


def open_inquiry(*, customer: Any, subject: str, body: str, actor: Any) -> ServiceTicket:
    """A question that could not be chatted about (nobody online) becomes a ticket without an
    order line; staff answer it like any other. Raises `AftersalesError` for empty text."""
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise AftersalesError(_("Give the ticket a subject and describe the problem."))
    with transaction.atomic():
        ticket = ServiceTicket.objects.create(
            number=f"T{timezone.now():%y%m%d}-"
            + "".join(secrets.choice(ALPHABET) for _ in range(6)),
            customer=customer,
            order_line=None,
            subject=subject[:200],
            coverage=Coverage.INQUIRY,
        )
        TicketMessage.objects.create(ticket=ticket, author=_user(actor), body=body[:5000])
        _log(ticket, "ticket.opened", actor, f"{subject[:80]} — {ticket.get_coverage_display()}")
        _notify(ticket, actor, _("We received your request."))
        return ticket


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _locked(ticket: ServiceTicket) -> ServiceTicket:
    return (
        ServiceTicket.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=ticket.pk)
    )


def set_price(*, ticket: ServiceTicket, price: Decimal, actor: Any) -> ServiceTicket:
    """Staff quote a paid ticket; work waits until the customer pays. Refused for covered ones."""
    price = to_money(price)
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.coverage != Coverage.PAID:
            raise AftersalesError(_("This ticket is covered: it costs the customer nothing."))
        if locked.status not in (T.OPEN, T.AWAITING_PAYMENT) or price <= 0:
            raise AftersalesError(_("Quote a positive price before work starts."))
        locked.price, locked.status = price, T.AWAITING_PAYMENT
        locked.save(update_fields=["price", "status", "updated_at"])
        _log(locked, "ticket.priced", actor, f"{price}")
        _notify(
            locked,
            actor,
            _("Your repair costs %(p)s. Please pay to start the work.")
            % {"p": format_money(price)},
        )
        return locked


def pay_ticket(
    *, ticket: ServiceTicket, method: str, actor: Any, card_number: str = ""
) -> ServiceTicket:
    """Pay a quoted ticket like a purchase (a service order with one fee line, paid through
    `payments.record_payment`); the ticket then moves to in progress. Raises `PaymentError` or
    `AftersalesError`; nothing is written then."""
    from rapport.payments.models import PaymentMethod
    from rapport.payments.providers import get_provider
    from rapport.payments.services import record_payment
    from rapport.risk.history import note_order_placed

    if method not in SERVICE_PAYMENT_MODES:
        raise AftersalesError(_("Choose a payment method."))
    if method == PaymentMethod.CARD and not get_provider().collects_card_in_page:
        # A hosted card page (Stripe) needs the checkout's return flow, which tickets lack.
        raise AftersalesError(
            _("Service tickets cannot be paid by card online yet: choose another method.")
        )
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.status != T.AWAITING_PAYMENT or locked.payment_order_id is not None:
            raise AftersalesError(_("This ticket has nothing to pay."))
        order = Order.objects.create(
            number=new_order_number(),
            customer=locked.customer,
            currency=settings.RAPPORT_CURRENCY,
            subtotal=locked.price,
            total=locked.price,
            placed_at=timezone.now(),
            approved_at=timezone.now(),
            status=OrderStatus.PAID,
            payment_method=method,
            email=locked.customer.email,
            source="service",
        )
        OrderLine.objects.create(
            order=order,
            kind=LineKind.FEE,
            sku=locked.number,
            name=f"Service {locked.number}",
            quantity=1,
            unit_price=locked.price,
            line_total=locked.price,
        )
        note_order_placed(order=order, product_lines=0)
        record_payment(
            order=order,
            customer=locked.customer,
            method=method,
            amount=locked.price,
            actor=actor,
            card_number=card_number,
            idempotency_key=f"ticket-{locked.public_id}",
        )
        locked.payment_order, locked.status = order, T.IN_PROGRESS
        locked.save(update_fields=["payment_order", "status", "updated_at"])
        _log(locked, "ticket.paid", actor, f"{locked.price} ({method}), order {order.number}")
        return locked


def update_ticket(
    *, ticket: ServiceTicket, actor: Any, status: str = "", assignee: Any = None, message: str = ""
) -> ServiceTicket:
    """Staff assign, move the status on (per `TICKET_STEPS`; paid tickets only once paid) and/or
    write to the customer. Raises `AftersalesError` for a step that is not allowed."""
    with transaction.atomic():
        locked = _locked(ticket)
        changes: list[str] = []
        news: list[str] = []
        if assignee is not None and assignee.pk != locked.assignee_id:
            locked.assignee = assignee
            changes.append(f"assigned to {assignee}")
        if status and status != locked.status:
            if status not in TICKET_STEPS.get(locked.status, ()):
                raise AftersalesError(_("That status change is not allowed."))
            if (
                status == T.IN_PROGRESS
                and locked.coverage == Coverage.PAID
                and not locked.payment_order_id
            ):
                raise AftersalesError(_("Paid work starts only after payment."))
            locked.status = status
            changes.append(f"status {status}")
            news.append(_("Your request is now: %(s)s.") % {"s": locked.get_status_display()})
        locked.save(update_fields=["assignee", "status", "updated_at"])
        if message.strip():
            add_message(ticket=locked, body=message, actor=actor, from_staff=True, notify=False)
            news.append(message.strip()[:2000])
        if changes:
            _log(locked, "ticket.updated", actor, ", ".join(changes))
        if news:  # one mail per update, whatever it changed; an assignment alone is internal
            _notify(locked, actor, "\n\n".join(news))
        if status == T.CLOSED and "status closed" in changes:
            _ask_satisfaction(locked, actor)
        return locked


def _ask_satisfaction(ticket: ServiceTicket, actor: Any) -> None:
    # The CSAT survey about a closed ticket (only with consent, inside the contact budget).
    from rapport.feedback.surveys import after_ticket

    after_ticket(ticket=ticket, actor=actor)


def add_message(
    *, ticket: ServiceTicket, body: str, actor: Any, from_staff: bool, notify: bool = True
) -> TicketMessage:
    """Add a message to the ticket's conversation (shown to the customer and staff); a staff
    message is mailed to the customer unless `notify` is off (the caller mails it)."""
    body = body.strip()
    if not body:
        raise AftersalesError(_("Write a message first."))
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.status == T.CLOSED:
            raise AftersalesError(_("This ticket is closed."))
        msg = TicketMessage.objects.create(
            ticket=locked, author=_user(actor), from_staff=from_staff, body=body[:5000]
        )
        _log(locked, "ticket.message", actor, "staff reply" if from_staff else "customer message")
        if from_staff and notify:
            _notify(locked, actor, body[:2000])
        return msg


def _log(ticket: ServiceTicket, action: str, actor: Any, summary: str) -> None:
    audit.record(
        action=action,
        actor=actor,
        target=ticket,
        customer=ticket.customer,
        summary=f"Ticket {ticket.number}: {summary}",
        data={"status": ticket.status, "coverage": ticket.coverage},
    )


def _notify(ticket: ServiceTicket, actor: Any, text: str) -> None:
    from rapport.customers.models import Purpose
    from rapport.messaging.services import MessageRefused, queue_message

    with contextlib.suppress(MessageRefused):  # no email or opted out: the timeline has it
        queue_message(
            customer=ticket.customer,
            template="ticket_update",
            context={
                "ticket_number": ticket.number,
                "subject": ticket.subject,
                "text": text,
                "status": ticket.get_status_display(),
            },
            purpose=Purpose.TRANSACTIONAL,
            actor=actor,
        )
