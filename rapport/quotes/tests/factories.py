"""Test builders for quotes: a customer who can be mailed, stocked products, a sent quote."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from rapport.aftersales.tests.factories import reachable
from rapport.checkout.tests.factories import address_for
from rapport.customers.models import Customer
from rapport.quotes import services
from rapport.quotes.models import Quote


def in_days(n: int) -> date:
    return timezone.localdate() + timedelta(days=n)


def line(product: Any, quantity: int, price: str) -> services.LineInput:
    return services.LineInput(product=product, quantity=quantity, unit_price=Decimal(price))


def customer_of(user: Any) -> Customer:
    customer = reachable(Customer.objects.get(user=user))
    if not customer.addresses.exists():
        address_for(customer)
    return customer


def sent_quote(staff: Any, customer: Customer, *lines: services.LineInput) -> Quote:
    quote = services.create_quote(
        customer=customer, actor=staff, lines=list(lines), valid_until=in_days(10), note="hi"
    )
    return services.send_quote(quote=quote, actor=staff)


CARD_OK = "4242424242424242"


def delivery(customer: Customer, payment: str = "card") -> services.Delivery:
    return services.Delivery(
        address=customer.addresses.first(),
        shipping_method="standard",
        payment_method=payment,
        card_number=CARD_OK if payment == "card" else "",
    )
