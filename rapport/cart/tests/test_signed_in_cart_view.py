"""The signed-in cart page's one query (`cart.queries.user_cart_view`) shows what the cart's own
view shows, at the customer's prices; a cart left from before signing in is merged first."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.cart.access import CART_COOKIE
from rapport.cart.models import Cart, CartStatus
from rapport.cart.queries import cart_view, open_cart_of_user, user_cart_view
from rapport.checkout.tests.factories import cart_with, stocked_product
from rapport.core.testing import login_customer
from rapport.customers.models import Customer
from rapport.pricing import services

pytestmark = pytest.mark.django_db


def test_the_users_cart_in_one_query_is_the_carts_view_at_their_prices(
    people, django_assert_num_queries
):
    ann = people["customer"]
    lamp, rug = stocked_product(price="20.00"), stocked_product(price="7.50", quantity=1)
    price_list = services.save_price_list(actor=None, name="Ann's prices")
    services.add_customer(
        price_list=price_list, customer=Customer.objects.get(user=ann), actor=None
    )
    services.save_item(
        price_list=price_list, product=lamp, min_quantity=2, percent_off=Decimal("25"), actor=None
    )
    cart = cart_with(ann, (lamp, 3), (rug, 2))
    cart_with(people["other_customer"], (rug, 1))

    with django_assert_num_queries(2):  # the cart with its lines, the customer's prices
        view = user_cart_view(ann.pk)
    assert view == cart_view(cart)
    assert [(lv["product_id"], lv["unit_price"]) for lv in view.lines] == [
        (lamp.pk, Decimal("15.00")),
        (rug.pk, Decimal("7.50")),
    ]
    assert view.subtotal == Decimal("60.00") and view.blocking  # only one rug in stock
    assert open_cart_of_user(ann.pk).pk == cart.pk  # type: ignore[union-attr]

    Cart.objects.filter(pk=cart.pk).update(status=CartStatus.ORDERED)
    assert user_cart_view(ann.pk).lines == [] and open_cart_of_user(ann.pk) is None


def test_an_anonymous_cart_is_merged_before_the_signed_in_page_shows(client, people):
    lamp = stocked_product()
    client.post(reverse("storefront:cart_add"), {"product": str(lamp.public_id), "quantity": 2})
    assert CART_COOKIE in client.cookies
    login_customer(client, people["customer"])

    page = client.get(reverse("storefront:cart")).content.decode()
    assert str(lamp.public_id) in page
    assert Cart.objects.get(user=people["customer"], status=CartStatus.OPEN).lines.count() == 1
