"""E-receipts: a PDF rendered with WeasyPrint from an HTML template, and the confirmation email."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from rapport.orders.models import Order
from rapport.orders.queries import order_with_details


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


def send_order_confirmation(*, order_id: int) -> None:
    """Email the customer their confirmation with the receipt attached. Called after commit, so a
    mail failure can never undo the order; it is logged by Django's mail backend and the receipt
    stays downloadable from the order history."""
    order = order_with_details(order_id)
    if not order.email:
        return
    body = render_to_string(
        "orders/confirmation_email.txt", {"order": order, "SITE_NAME": settings.RAPPORT_SITE_NAME}
    )
    message = EmailMessage(
        subject=_("Your order %(number)s") % {"number": order.number},
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.email],
    )
    message.attach(receipt_filename(order), render_receipt_pdf(order), "application/pdf")
    message.send()
