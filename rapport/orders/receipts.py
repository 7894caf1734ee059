"""E-receipts and the order confirmation that carries one.

One function makes the receipt PDF (WeasyPrint): `render_receipt_pdf`. The order history's
download calls it, and so does the outbox sender, through the "order-receipt" attachment kind
registered in `OrdersConfig.ready()`: the confirmation is queued in the outbox inside
`place_order`'s transaction and the PDF is rendered when the mail is sent (by the Celery worker
in production), never in the customer's request.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template.loader import render_to_string

from rapport.messaging.attachments import Attachment
from rapport.orders.models import Order
from rapport.orders.queries import order_with_details

if TYPE_CHECKING:
    from rapport.messaging.models import Message

log = logging.getLogger(__name__)

RECEIPT_ATTACHMENT = "order-receipt"


def receipt_filename(order: Order) -> str:
    return f"receipt-{order.number}.pdf"


def render_receipt_pdf(order: Order) -> bytes:
    """The e-receipt of an order as PDF bytes (same content every time it is downloaded)."""
    from weasyprint import HTML  # imported late: it loads Pango, which takes a moment

    detailed = order_with_details(order.pk)
    html = render_to_string(
        "orders/receipt.html",
        {"order": detailed, "SITE_NAME": settings.RAPPORT_SITE_NAME},
    )
    return bytes(HTML(string=html).write_pdf())


def receipt_attachment(spec: dict[str, Any]) -> Attachment:
    """Renderer of the "order-receipt" attachment kind: `{"kind": …, "order_id": <pk>}`."""
    order = Order.objects.get(pk=spec["order_id"])
    return Attachment(
        filename=receipt_filename(order),
        content=render_receipt_pdf(order),
        mimetype="application/pdf",
    )


def queue_order_confirmation(*, order: Order, actor: Any) -> Message | None:
    """Put the order confirmation, with its e-receipt to attach, in the outbox.

    Call it inside the transaction that places the order: the order and the promise to confirm
    it commit together, and the outbox sends it after commit (retrying through an SMTP outage).
    Transactional mail: not counted against the contact budget, but it honours the customer's
    email contact points like every outbox message (none usable, or an opt-out of transactional
    mail: no confirmation, as before when there was no address; the order and its receipt stay
    in the order history). A record with no email contact point at all gets the address the
    order was placed with. Returns the queued `Message`, or None when the customer cannot be
    written to.
    """
    from rapport.customers.models import Purpose
    from rapport.customers.services import ensure_email_contact_point
    from rapport.messaging.models import Priority
    from rapport.messaging.services import MessageRefused, queue_message

    customer = order.customer
    if customer is None:
        return None
    ensure_email_contact_point(customer=customer, email=order.email, actor=actor, source="order")
    try:
        return queue_message(
            customer=customer,
            template="order_confirmation",
            context={"order": order, "lines": list(order.lines.order_by("position", "id"))},
            purpose=Purpose.TRANSACTIONAL,
            priority=Priority.HIGH,
            actor=actor,
            attachments=[{"kind": RECEIPT_ATTACHMENT, "order_id": order.pk}],
        )
    except MessageRefused as exc:
        log.info("No confirmation mail for order %s: %s", order.number, exc)
        return None
