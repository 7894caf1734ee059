"""From the order page a customer reaches returns and help, and is told before filling in a
form when the order is not eligible yet."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rapport.aftersales.tests.factories import buy, deliver, reachable, stocked_product
from rapport.customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(people):
    ann = reachable(Customer.objects.get(user=people["customer"]))
    return buy(people["customer"], ann, [(stocked_product(quantity=5, price="8.00"), 1)])


def test_a_delivered_order_links_to_returns_and_help(clients, people, placed):
    order = deliver(placed, people["employee"])
    page = clients["customer"].get(reverse("storefront:order", args=[order.public_id]))
    html = page.content.decode()

    assert reverse("storefront:return_start", args=[order.public_id]) in html
    assert reverse("storefront:ticket_start", args=[order.public_id]) in html
    assert reverse("storefront:help") in html


def test_a_placed_order_says_when_returns_and_service_open(clients, placed):
    order_page = clients["customer"].get(reverse("storefront:order", args=[placed.public_id]))
    ticket_page = clients["customer"].get(
        reverse("storefront:ticket_start", args=[placed.public_id])
    )
    html, form = order_page.content.decode(), ticket_page.content.decode()

    assert reverse("storefront:return_start", args=[placed.public_id]) not in html
    assert "Returns open once the order has been delivered." in html
    assert "Service and repairs start once the order has been fulfilled." in form
    assert 'name="subject"' not in form  # nothing to fill in that would be refused
