"""How an accepted quote's order is delivered and paid: the customer's address, a shipping
method and a payment mode (the last two checked by checkout's rules when the order is placed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


# Modes an acceptance can use when nobody chooses one: neither needs a card at hand. Credit
# terms first (the strategic partners quotes are made for usually have them).
UNATTENDED_METHODS = ("credit_terms", "cod")


def default_delivery(
    *,
    customer: Customer,
    total: Any,
    address_id: Any = None,
    shipping_method: str = "standard",
    payment_method: str = "",
) -> Delivery:
    """A `Delivery` for a client that may leave choices out (the offline client, the API): the
    given address or the customer's newest, and the given payment mode or the first of credit
    terms and cash on delivery the customer's credit rating allows for `total`. Raises
    QuoteError when the customer has no address or only prepaid modes are open to them."""
    from rapport.credit.queries import payment_terms

    addresses = Address.objects.filter(customer=customer)
    if address_id is not None:
        address = addresses.filter(public_id=address_id).first()
    else:
        address = addresses.order_by("-id").first()
    if address is None:
        raise QuoteError(_("Choose one of the delivery addresses."))
    if not payment_method:
        allowed = payment_terms(customer).methods(total)
        payment_method = next((m for m in UNATTENDED_METHODS if m in allowed), "")
        if not payment_method:
            raise QuoteError(
                _("This customer's credit rating allows only prepaid modes: they pay in the store.")
            )
    return Delivery(address=address, shipping_method=shipping_method, payment_method=payment_method)
