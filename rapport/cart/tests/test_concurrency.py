"""Adds to one cart from many tabs at once, and adds racing the checkout, on PostgreSQL."""

from __future__ import annotations

from collections import Counter

import pytest

from rapport.accounts.models import User
from rapport.cart.models import Cart, CartLine, CartStatus
from rapport.cart.services import MAX_LINE_QUANTITY, CartError, add_to_cart
from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.customers.models import Customer
from rapport.orders.models import Order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    skip_unless_postgres()


def test_concurrent_adds_of_one_item_all_count_up_to_the_line_limit():
    cart = Cart.objects.create()
    product = stocked_product(quantity=500)
    others = [stocked_product(quantity=500) for _ in range(3)]

    # 30 tabs add the same item (the first ones create the line), 6 add three other items.
    def add(i):
        item = product if i < 30 else others[i % 3]
        add_to_cart(cart=cart, product=item, quantity=4)
        return "added"

    results = run_concurrently(36, add)

    outcomes = Counter(r if isinstance(r, str) else type(r).__name__ for r in results)
    # 24 adds of 4 fit under 99 (96 units); the other 6 are refused with a clear message.
    assert outcomes == {"added": 24 + 6, "CartError": 6}
    assert all("At most" in str(r) for r in results if isinstance(r, CartError))
    quantities = dict(CartLine.objects.filter(cart=cart).values_list("product_id", "quantity"))
    assert quantities == {product.pk: 96, **{o.pk: 8 for o in others}}
    assert max(quantities.values()) <= MAX_LINE_QUANTITY


def test_an_add_racing_the_checkout_is_in_the_order_or_refused_never_lost():
    product = stocked_product(quantity=100, price="5.00")
    user = User.objects.create_user(email="racer@example.com", password="x" * 20)
    customer = Customer.objects.create(user=user, email=user.email)
    address = address_for(customer)
    cart = cart_with(user, (product, 1))

    def work(i):
        if i == 0:
            return place_order(
                cart=cart,
                customer=customer,
                address=address,
                shipping_method="standard",
                payment_method="cod",
                card_number="",
                idempotency_key="race",
                actor=user,
            )
        add_to_cart(cart=cart, product=product, quantity=1)
        return "added"

    results = run_concurrently(12, work)

    assert isinstance(results[0], Order), results[0]
    added = sum(1 for r in results[1:] if r == "added")
    refused = [r for r in results[1:] if isinstance(r, CartError)]
    assert added + len(refused) == 11
    assert all("already been checked out" in str(r) for r in refused)
    ordered = results[0].lines.get(product=product).quantity
    assert ordered == 1 + added  # every add that went through is in the order
    cart.refresh_from_db()
    assert cart.status == CartStatus.ORDERED
    assert CartLine.objects.get(cart=cart).quantity == ordered
