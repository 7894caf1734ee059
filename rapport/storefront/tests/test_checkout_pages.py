"""Checkout and order history over HTTP."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.checkout.models import Address
from rapport.checkout.tests.factories import address_for, stock_of, stocked_product
from rapport.customers.models import Customer
from rapport.inventory.models import StockMove
from rapport.orders.models import Order
from rapport.payments.models import CreditAccount, Payment

pytestmark = pytest.mark.django_db

NEW_ADDRESS = {
    "address": "new",
    "new-name": "Ann Buyer",
    "new-line1": "1 High Street",
    "new-postal_code": "E1 6AN",
    "new-city": "London",
    "new-country": "United Kingdom",
}


@pytest.fixture
def shopper(clients, people):
    client = clients["customer"]
    product = stocked_product(quantity=4, price="15.00", name="CAKESTAND")
    client.post(
        reverse("storefront:cart_add"), {"product": str(product.public_id), "quantity": "2"}
    )
    return client, product


def key_of(response):
    return re.search(r'name="idempotency_key" value="([0-9a-f]+)"', response.content.decode())[1]


def test_checkout_requires_login(client):
    response = client.get(reverse("storefront:checkout"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("storefront:login"))


def test_full_checkout_with_a_new_address(shopper, people):
    client, product = shopper
    r = client.post(
        reverse("storefront:checkout"), {**NEW_ADDRESS, "shipping": "standard", "payment": "cod"}
    )
    assert r.status_code == 302 and r["Location"] == reverse("storefront:checkout_verify")
    assert Address.objects.filter(customer__user=people["customer"]).count() == 1

    verify = client.get(reverse("storefront:checkout_verify"))
    body = verify.content.decode()
    assert "30.00" in body and "34.95" in body and "Cash on delivery" in body

    key = key_of(verify)
    placed = client.post(reverse("storefront:checkout_verify"), {"idempotency_key": key})
    order = Order.objects.get()
    assert placed["Location"] == reverse("storefront:order", kwargs={"public_id": order.public_id})
    assert order.total == Decimal("34.95")
    assert stock_of(product) == 2

    # A double click (the same form posted again) places nothing new.
    again = client.post(reverse("storefront:checkout_verify"), {"idempotency_key": key})
    assert again["Location"] == placed["Location"]
    assert Order.objects.count() == 1 and StockMove.objects.count() == 1

    page = client.get(placed["Location"]).content.decode()
    assert order.number in page
    listing = client.get(reverse("storefront:orders")).content.decode()
    assert order.number in listing
    pdf = client.get(reverse("storefront:order_receipt", kwargs={"public_id": order.public_id}))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_declined_card_shows_message_and_writes_nothing(shopper, people):
    client, product = shopper
    address = address_for(Customer.objects.get(user=people["customer"]))
    client.post(
        reverse("storefront:checkout"),
        {"address": str(address.public_id), "shipping": "express", "payment": "card"},
    )
    verify = client.get(reverse("storefront:checkout_verify"))
    assert "TEST MODE — no real money" in verify.content.decode()

    r = client.post(
        reverse("storefront:checkout_verify"),
        {"idempotency_key": key_of(verify), "card_number": "4000 0000 0000 0002"},
    )

    assert r.status_code == 400
    assert "Your card was declined" in r.content.decode()
    assert (Order.objects.count(), Payment.objects.count(), StockMove.objects.count()) == (0, 0, 0)
    assert stock_of(product) == 4

    ok = client.post(
        reverse("storefront:checkout_verify"),
        {"idempotency_key": key_of(r), "card_number": "4242424242424242"},
    )
    assert ok.status_code == 302
    assert Payment.objects.get().card_last4 == "4242"


def test_credit_terms_offered_only_when_allowed(shopper, people):
    client, _product = shopper
    assert "credit_terms" not in client.get(reverse("storefront:checkout")).content.decode()
    ann = Customer.objects.get(user=people["customer"])
    r = client.post(
        reverse("storefront:checkout"),
        {**NEW_ADDRESS, "shipping": "standard", "payment": "credit_terms"},
    )
    assert "Choose a payment method" in r.content.decode()

    CreditAccount.objects.create(customer=ann, allowed=True, days=30, limit=Decimal("500"))
    assert 'value="credit_terms"' in client.get(reverse("storefront:checkout")).content.decode()


def test_tampered_address_from_another_customer_is_refused(shopper, people):
    client, _product = shopper
    bob_address = address_for(Customer.objects.get(user=people["other_customer"]))
    address_for(Customer.objects.get(user=people["customer"]))
    r = client.post(
        reverse("storefront:checkout"),
        {"address": str(bob_address.public_id), "shipping": "standard", "payment": "cod"},
    )
    assert r.status_code == 200
    assert "Choose one of your delivery addresses" in r.content.decode()


def test_orders_are_private(clients, people):
    from rapport.checkout.services import place_order
    from rapport.checkout.tests.factories import cart_with

    ann = Customer.objects.get(user=people["customer"])
    order = place_order(
        cart=cart_with(people["customer"], (stocked_product(), 1)),
        customer=ann,
        address=address_for(ann),
        shipping_method="standard",
        payment_method="cod",
        idempotency_key="x1",
        actor=people["customer"],
    )
    url = reverse("storefront:order", kwargs={"public_id": order.public_id})
    assert clients["other_customer"].get(url).status_code == 404
    assert (
        order.number
        not in clients["other_customer"].get(reverse("storefront:orders")).content.decode()
    )


def test_payment_webhook_checks_signature(client, people):
    import json

    from rapport.checkout.services import place_order
    from rapport.checkout.tests.factories import cart_with
    from rapport.payments.providers.test import sign

    ann = Customer.objects.get(user=people["customer"])
    order = place_order(
        cart=cart_with(people["customer"], (stocked_product(), 1)),
        customer=ann,
        address=address_for(ann),
        shipping_method="standard",
        payment_method="card",
        card_number="4242424242424242",
        idempotency_key="wh1",
        actor=people["customer"],
    )
    payment = order.payments.get()
    body = json.dumps(
        {
            "type": "payment.refunded",
            "reference": payment.provider_reference,
            "amount": str(payment.amount),
        }
    ).encode()
    url = reverse("storefront:payment_webhook", kwargs={"provider": "test"})

    bad = client.post(url, body, content_type="application/json", HTTP_X_SIGNATURE="f" * 64)
    assert bad.status_code == 400
    payment.refresh_from_db()
    assert payment.status == "authorised"

    unknown = reverse("storefront:payment_webhook", kwargs={"provider": "acme"})
    assert client.post(unknown, body, content_type="application/json").status_code == 404
    good = client.post(url, body, content_type="application/json", HTTP_X_SIGNATURE=sign(body))
    assert good.status_code == 200
    payment.refresh_from_db()
    assert payment.status == "refunded"
