"""Cross-sell in a real browser: a suggestion on a product page goes into the cart, and the
bundle price shows there."""

from decimal import Decimal

import pytest

from rapport.cart.models import CartLine
from rapport.checkout.tests.factories import stocked_product
from rapport.recommendations.services import create_bundle
from rapport.recommendations.tests.helpers import rule

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_add_a_suggested_item_from_the_product_page(page, artifacts_dir):
    lamp = stocked_product(quantity=5, price="20.00", name="BRASS TABLE LAMP")
    candles = stocked_product(quantity=5, price="5.00", name="TEALIGHT CANDLES")
    stocked_product(quantity=0, price="4.00", name="SOLD OUT SHADE")
    rule(lamp, candles, confidence=0.6)
    rule(lamp, stocked_product(quantity=0, price="1.00", name="GONE"), rank=2)
    create_bundle(
        actor=None, name="Cosy evening", price=Decimal("22.00"), items=[(lamp, 1), (candles, 1)]
    )

    page.goto(lamp.get_absolute_url())
    block = page.locator("#often-bought-together")
    block.get_by_role("heading", name="Often bought together").wait_for()
    assert block.get_by_text(
        "Customers who bought “BRASS TABLE LAMP” often add this too."
    ).is_visible()
    assert "GONE" not in block.inner_text()
    page.screenshot(path=str(artifacts_dir / "cross-sell-product.png"), full_page=True)

    block.get_by_role("button", name="Add TEALIGHT CANDLES to cart").click()
    page.wait_for_url("**/cart/")
    page.locator(".cart-line", has_text="TEALIGHT CANDLES").wait_for()
    assert list(CartLine.objects.values_list("product__name", "quantity")) == [
        ("TEALIGHT CANDLES", 1)
    ]

    # Back to the lamp: with both in the cart the bundle price applies.
    page.goto(lamp.get_absolute_url())
    page.locator("form.add-to-cart").get_by_role("button", name="Add to cart").click()
    page.get_by_text("is in your cart").wait_for()
    page.goto("/cart/")
    assert page.locator(".discount-amount").inner_text() == "\u2212£3.00"  # minus sign
    assert page.locator(".cart-total").inner_text() == "£22.00"
    page.screenshot(path=str(artifacts_dir / "cross-sell-cart.png"), full_page=True)
