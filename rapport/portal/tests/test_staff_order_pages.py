"""Staff order and customer pages: cancelling asks first; the 360° page links what staff need."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.aftersales.tests.factories import buy, reachable
from rapport.checkout.tests.factories import stock_of, stocked_product
from rapport.customers.models import Customer
from rapport.orders.models import OrderStatus
from rapport.payments.services import top_up_wallet

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(people):
    ann = reachable(Customer.objects.get(user=people["customer"]))
    product = stocked_product(quantity=10, price="10.00")
    return buy(people["customer"], ann, [(product, 3)]), product


def test_cancel_asks_for_confirmation_before_anything_changes(clients, order):
    order, product = order
    url = reverse("portal:order_advance", args=[order.public_id])

    first = clients["employee"].post(url, {"to": "cancelled"})
    order.refresh_from_db()

    assert first.status_code == 200
    assert f"Cancel order {order.number}?" in first.content.decode()
    assert order.status == OrderStatus.PLACED and stock_of(product) == 7

    confirmed = clients["employee"].post(
        url, {"to": "cancelled", "confirmed": "yes", "note": "Customer called"}
    )
    order.refresh_from_db()

    assert confirmed.status_code == 302
    assert order.status == OrderStatus.CANCELLED and stock_of(product) == 10


def test_the_order_page_marks_cancel_as_destructive(clients, order):
    order, _product = order
    page = clients["employee"].get(reverse("portal:order", args=[order.public_id]))

    assert 'class="danger"' in page.content.decode()


def test_customer_page_shows_wallet_balance_and_links_orders_and_vip(clients, people, order):
    order, _product = order
    ann = order.customer
    top_up_wallet(customer=ann, amount=Decimal("12.50"), actor=people["manager"], note="Goodwill")
    url = reverse("portal:customer_detail", args=[ann.public_id])

    as_manager = clients["manager"].get(url).content.decode()
    as_employee = clients["employee"].get(url).content.decode()

    assert '<span data-testid="wallet-balance">£12.50</span>' in as_manager
    assert reverse("portal:order", args=[order.public_id]) in as_manager
    assert reverse("portal:customer_vip", args=[ann.public_id]) in as_manager
    assert reverse("portal:customer_vip", args=[ann.public_id]) not in as_employee
