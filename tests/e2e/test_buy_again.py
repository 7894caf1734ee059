"""A returning customer re-orders from "Buy again" in a real browser: two items, one click each
(quantities prefilled from their usual order), then checks out."""

import datetime

import pytest
from django.utils import timezone

from rapport.cart.models import CartLine
from rapport.checkout.tests.factories import stocked_product
from rapport.customers.models import Customer
from rapport.customers.tests.factories import reseed
from rapport.orders.models import LineKind, Order
from rapport.recommendations.tests.helpers import past_order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_returning_customer_reorders_two_items_and_checks_out(page, make_user, password):
    # Waits are for states; the ceiling is raised from the fixture's 15 s because confirming
    # renders the PDF receipt in-process, which on the shared 2-core box under load takes longer.
    page.set_default_timeout(60_000)
    reseed()  # choice lists for the profiling question after checkout
    tea = stocked_product(quantity=50, price="2.00", name="ENGLISH BREAKFAST TEA")
    candles = stocked_product(quantity=50, price="1.50", name="TEALIGHT CANDLES")
    user = make_user("dora@example.com", first_name="Dora")
    dora = Customer.objects.create(user=user, email=user.email, name="Dora Returning")
    now = timezone.now()
    for days_ago in (90, 60, 30):
        order = past_order(dora, tea, candles, placed_at=now - datetime.timedelta(days=days_ago))
        order.lines.filter(product=tea).update(quantity=6)
        order.lines.filter(product=candles).update(quantity=24)

    page.goto("/login/")
    page.get_by_label("Email").fill("dora@example.com")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.goto("/")

    block = page.locator("#buy-again-home")
    block.get_by_role("heading", name="Buy again").wait_for()
    tea_item = block.locator(".reco-item", has_text="ENGLISH BREAKFAST TEA")
    assert tea_item.get_by_role("spinbutton", name="Quantity").input_value() == "6"
    assert "Due again: you order this about every 4 weeks." in tea_item.inner_text()
    tea_item.get_by_role("button", name="Add ENGLISH BREAKFAST TEA to cart").click()
    page.wait_for_url("**/cart/")

    # In the cart: "you usually also order" the candles (the tea is already there).
    usual = page.locator("#buy-again-cart")
    usual.get_by_role("heading", name="You usually also order").wait_for()
    assert "ENGLISH BREAKFAST TEA" not in usual.inner_text()
    usual.get_by_role("button", name="Add TEALIGHT CANDLES to cart").click()
    page.locator(".cart-line", has_text="TEALIGHT CANDLES").wait_for()
    assert sorted(CartLine.objects.values_list("product__name", "quantity")) == [
        ("ENGLISH BREAKFAST TEA", 6),
        ("TEALIGHT CANDLES", 24),
    ]

    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Full name").fill("Dora Returning")
    page.locator("#id_new-line1").fill("3 Harbour Row")
    page.get_by_label("Postal code").fill("BS1 4DJ")
    page.get_by_label("City").fill("Bristol")
    page.get_by_label("Country").fill("United Kingdom")
    page.locator('input[name="payment"][value="cod"]').check()
    page.get_by_role("button", name="Continue to verify").click()
    page.get_by_role("button", name="Confirm and pay").click()
    page.get_by_text("Your order is confirmed").wait_for()

    placed = Order.objects.exclude(source="test").get()
    assert sorted(placed.lines.filter(kind=LineKind.PRODUCT).values_list("name", "quantity")) == [
        ("ENGLISH BREAKFAST TEA", 6),
        ("TEALIGHT CANDLES", 24),
    ]
