"""How an accepted quote's order is delivered and paid: the customer's address, a shipping
method and a payment mode (the last two checked by checkout's rules when the order is placed)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rapport.checkout.models import Address
from rapport.customers.models import Customer
from rapport.quotes.lines import QuoteError


@dataclass(frozen=True)
class Delivery:
    """How an accepted quote's order is delivered and paid (checked by `place_order`'s rules)."""

    address: Address
    shipping_method: str
    payment_method: str
    card_number: str = ""


def delivery_for(
    *,
    customer: Customer,
    address_id: str,
    shipping_method: str,
    payment_method: str,
    card_number: str = "",
) -> Delivery:
    """A `Delivery` from submitted values: the address must be one of this customer's (by its
    public id). Shipping and payment modes are checked when the order is placed."""
    try:
        address = Address.objects.filter(customer=customer, public_id=address_id).first()
    except (ValidationError, ValueError):
        address = None
    if address is None:
        raise QuoteError(_("Choose one of the delivery addresses."))
    return Delivery(
        address=address,
        shipping_method=(shipping_method or "").strip(),
        payment_method=(payment_method or "").strip(),
        card_number=(card_number or "").strip(),
    )
