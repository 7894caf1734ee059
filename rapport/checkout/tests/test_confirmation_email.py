"""The confirmation email goes over real SMTP after commit, with the e-receipt PDF attached."""

from decimal import Decimal

import pytest

from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.customers.models import Customer

pytestmark = pytest.mark.django_db(transaction=True)


def test_confirmation_email_with_pdf_receipt_arrives(make_user, smtp_server):
    # make_user, not `people`: transactional tests flush the role groups `people` relies on.
    user = make_user("ann@example.com")
    ann = Customer.objects.create(user=user, email=user.email, name="Ann Buyer")
    product = stocked_product(quantity=3, price="7.50", name="JUMBO BAG RED RETROSPOT")

    order = place_order(
        cart=cart_with(user, (product, 2)),
        customer=ann,
        address=address_for(ann),
        shipping_method="express",
        payment_method="cod",
        idempotency_key="mail-1",
        actor=user,
    )

    [message] = smtp_server.wait_for(1)
    assert message["To"] == "ann@example.com"
    assert order.number in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "2 \u00d7 JUMBO BAG RED RETROSPOT" in body
    assert f"{order.total} GBP" in body
    assert order.total == Decimal("24.95")
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"receipt-{order.number}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")
