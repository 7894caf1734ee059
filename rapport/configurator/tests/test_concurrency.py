"""PostgreSQL, separate connections: a configuration's parts never oversell."""

from __future__ import annotations

from collections import Counter

import pytest

from rapport.accounts.models import User
from rapport.cart.models import Cart
from rapport.cart.services import add_to_cart
from rapport.catalog.models import Product
from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, stock_of
from rapport.configurator.demo import GPU_SKU, create_demo_laptop
from rapport.configurator.services import configure
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.customers.models import Customer
from rapport.inventory.models import StockMove
from rapport.orders.models import Order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CREATOR = {"chassis": "large", "cpu": "fast", "memory": 32, "storage": "ssd2tb", "extras": ["gpu"]}


@pytest.fixture(autouse=True)
def _needs_postgres():
    skip_unless_postgres()


def test_twenty_buyers_for_five_graphics_cards_make_exactly_five_orders():
    laptop = create_demo_laptop(stock=100, gpu_stock=5).product
    gpu = Product.objects.get(sku=GPU_SKU)
    configured = configure(product=laptop, raw_choice=CREATOR)
    buyers = []
    for i in range(20):
        user = User.objects.create_user(email=f"b{i}@example.com", password="x" * 20)
        customer = Customer.objects.create(user=user, email=user.email)
        cart = Cart.objects.create(user=user)
        add_to_cart(cart=cart, product=laptop, quantity=1, configured=configured)
        buyers.append((user, customer, address_for(customer), cart))

    def buy(i):
        user, customer, address, cart = buyers[i]
        return place_order(
            cart=cart,
            customer=customer,
            address=address,
            shipping_method="standard",
            payment_method="card",
            card_number="4242424242424242",
            idempotency_key=f"gpu-{i}",
            actor=user,
        )

    results = run_concurrently(20, buy)

    assert Counter(type(r).__name__ for r in results) == {"Order": 5, "OutOfStock": 15}
    assert stock_of(gpu) == 0
    assert stock_of(laptop) == 95
    assert Order.objects.count() == 5
    assert StockMove.objects.filter(product=gpu).count() == 5
    assert StockMove.objects.filter(product=laptop).count() == 5
