"""`place_negotiated_order`: an agreed deal placed like a cart — same stock, payment and
idempotency rules — at the agreed unit prices, with no cart and no bundle discount on top."""

from __future__ import annotations

from decimal import Decimal

import pytest

from rapport.cart.models import Cart
from rapport.checkout.services import (
    CheckoutError,
    NegotiatedDeal,
    NegotiatedLine,
    place_negotiated_order,
)
from rapport.checkout.shipping import get_method
from rapport.checkout.tests.factories import address_for, cart_with, stock_of, stocked_product
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer
from rapport.inventory.services import OutOfStock
from rapport.orders.models import LineKind, Order
from rapport.payments.models import Payment
from rapport.recommendations import services as reco

pytestmark = pytest.mark.django_db


def _place(customer, deal, key="deal-1", payment="cod"):
    return place_negotiated_order(
        deal=deal,
        customer=customer,
        address=address_for(customer),
        shipping_method="standard",
        payment_method=payment,
        idempotency_key=key,
        actor=customer.user,
    )


def test_a_deal_is_ordered_at_its_prices_without_bundle_discounts_or_touching_the_cart(people):
    ann = Customer.objects.get(user=people["customer"])
    a, b = stocked_product(price="12.00"), stocked_product(price="8.00")
    reco.create_bundle(actor=None, name="Set", price=Decimal("15.00"), items=[(a, 1), (b, 1)])
    cart = cart_with(people["customer"], (a, 5))
    deal = NegotiatedDeal(
        reference="quote Q-TEST v2",
        lines=(NegotiatedLine(a.pk, 2, Decimal("10.50")), NegotiatedLine(b.pk, 1, Decimal("7"))),
    )

    order = _place(ann, deal)

    shipping = get_method("standard").cost_for(Decimal("28.00"))
    assert (order.subtotal, order.total, order.source) == (
        Decimal("28.00"),
        Decimal("28.00") + shipping,
        "quote",
    )
    products = order.lines.filter(kind=LineKind.PRODUCT).order_by("position")
    assert [(x.product_id, x.quantity, x.unit_price) for x in products] == [
        (a.pk, 2, Decimal("10.50")),
        (b.pk, 1, Decimal("7.00")),
    ]
    assert not order.lines.filter(kind=LineKind.DISCOUNT).exists()
    assert Payment.objects.get(order=order).amount == order.total
    assert (stock_of(a), stock_of(b)) == (8, 9)
    assert Cart.objects.get(pk=cart.pk).is_open  # the shopping cart is left alone
    entry = AuditEntry.objects.get(action="order.placed", customer=ann)
    assert entry.data["deal"] == "quote Q-TEST v2"
    # A replay with the same key returns the same order.
    assert _place(ann, deal) == order and Order.objects.count() == 1


def test_a_deal_with_a_product_off_sale_or_short_of_stock_writes_nothing(people):
    ann = Customer.objects.get(user=people["customer"])
    gone = stocked_product(price="5.00", is_active=False)
    scarce = stocked_product(quantity=1, price="5.00")

    with pytest.raises(CheckoutError, match="no longer on sale"):
        _place(ann, NegotiatedDeal("x", (NegotiatedLine(gone.pk, 1, Decimal("4")),)))
    with pytest.raises(OutOfStock):
        _place(ann, NegotiatedDeal("x", (NegotiatedLine(scarce.pk, 2, Decimal("4")),)))
    with pytest.raises(CheckoutError):
        _place(ann, NegotiatedDeal("x", ()))
    assert Order.objects.count() == 0 and Payment.objects.count() == 0
    assert stock_of(scarce) == 1
