"""The customer's points page, the checkout's points field and the portal's 360° block."""

from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.core.testing import (
    ALLOW,
    NOT_FOUND,
    REDIRECT_LOGIN,
    Row,
    check_matrix,
)
from rapport.customers.models import Customer
from rapport.loyalty.queries import balance_of
from rapport.loyalty.tests.factories import with_points
from rapport.orders.models import LineKind, Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(people):
    return Customer.objects.get(user=people["customer"])


def test_permission_matrix_for_the_points_page(clients, people, ann):
    Customer.objects.get_or_create(user=people["other_customer"], defaults={"email": "o@x.com"})
    with_points(ann, 120)
    rows = [
        Row(
            "storefront:points",
            reverse("storefront:points"),
            {
                "anonymous": REDIRECT_LOGIN,
                "customer": ALLOW,
                "other_customer": ALLOW,
                "employee": NOT_FOUND,
                "manager": NOT_FOUND,
            },
        )
    ]
    assert check_matrix(rows, clients, {}) == []
    own = clients["customer"].get(reverse("storefront:points")).content.decode()
    other = clients["other_customer"].get(reverse("storefront:points")).content.decode()
    assert '<strong class="points-balance">120</strong>' in own
    assert '<strong class="points-balance">0</strong>' in other


def test_the_customer_360_page_shows_the_points(clients, ann):
    with_points(ann, 75)
    page = clients["employee"].get(reverse("portal:customer_detail", args=[ann.public_id]))
    body = page.content.decode()
    assert page.status_code == 200 and '<strong class="points-balance">75</strong>' in body
    assert "Earned on an order" in body


def test_points_chosen_at_checkout_are_shown_and_charged(clients, people, ann):
    with_points(ann, 900)
    client = clients["customer"]
    cart_with(people["customer"], (stocked_product(price="30.00", name="LANTERN"), 1))
    address = address_for(ann)
    details = client.get(reverse("storefront:checkout")).content.decode()
    assert "You have 900 points." in details and "up to 900" in details  # half of 30.00 is 1500
    form = {"address": str(address.public_id), "shipping": "standard", "payment": "cod"}

    too_many = client.post(reverse("storefront:checkout"), {**form, "points": "901"})
    assert too_many.status_code == 200 and "Spend between 0 and 900 points." in (
        too_many.content.decode()
    )
    assert client.post(reverse("storefront:checkout"), {**form, "points": "500"}).status_code == 302
    verify = client.get(reverse("storefront:checkout_verify"))
    body = verify.content.decode()
    assert "Loyalty points (500)" in body and "\u2212£5.00" in body
    key = verify.context["idempotency_key"]
    done = client.post(reverse("storefront:checkout_verify"), {"idempotency_key": key})

    order = Order.objects.get(customer=ann, idempotency_key__isnull=False)
    assert done.status_code == 302
    assert order.total == Decimal("25.00") + verify.context["shipping"]
    assert verify.context["total"] == order.total
    assert order.lines.get(kind=LineKind.DISCOUNT).line_total == Decimal("-5.00")
    assert balance_of(ann) == 400
    page = client.get(reverse("storefront:order", args=[order.public_id])).content.decode()
    assert "Loyalty points (500)" in page
