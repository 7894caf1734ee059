"""A cart line's one form in a real browser: minus / plus / the quantity field (change and Enter) /
Remove, with htmx and with JavaScript off (plain form posts)."""

from typing import Any

import pytest
from playwright.sync_api import expect

from rapport.cart.models import CartLine
from rapport.checkout.tests.factories import stocked_product

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def quantities() -> list[tuple[str, int]]:
    return sorted(CartLine.objects.values_list("product__name", "quantity"))


def fill_cart(page: Any, *, javascript: bool) -> None:
    for name in ("SPOTTY MUG", "TEA TOWEL"):
        product = stocked_product(name=name, quantity=50, price="2.00")
        page.goto(product.get_absolute_url())
        page.locator("form.add-to-cart").get_by_role("button", name="Add to cart").click()
        if javascript:  # htmx says so in place
            page.get_by_text("is in your cart").wait_for()
        else:  # a plain post redirects to the cart
            page.wait_for_url("**/cart/")
    page.goto("/cart/")


def line(page: Any, name: str) -> Any:
    return page.locator(".cart-line", has_text=name)


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_each_line_is_edited_by_click(browser, live_server, artifacts_dir, javascript):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        fill_cart(page, javascript=javascript)
        mug = line(page, "SPOTTY MUG")
        mug.get_by_role("button", name="One more").click()
        expect(line(page, "SPOTTY MUG").get_by_role("spinbutton")).to_have_value("2")
        line(page, "SPOTTY MUG").get_by_role("button", name="One more").click()
        expect(line(page, "SPOTTY MUG").get_by_role("spinbutton")).to_have_value("3")
        line(page, "SPOTTY MUG").get_by_role("button", name="One less").click()
        expect(line(page, "SPOTTY MUG").get_by_role("spinbutton")).to_have_value("2")
        assert quantities() == [("SPOTTY MUG", 2), ("TEA TOWEL", 1)]

        # Typing a quantity: Enter submits the line's form (as "Update", not as minus or plus).
        field = line(page, "SPOTTY MUG").get_by_role("spinbutton", name="Quantity")
        field.fill("7")
        field.press("Enter")
        expect(line(page, "SPOTTY MUG").locator(".line-total")).to_have_text("£14.00")
        assert quantities() == [("SPOTTY MUG", 7), ("TEA TOWEL", 1)]
        if javascript:
            # With htmx, leaving the field is enough.
            field = line(page, "TEA TOWEL").get_by_role("spinbutton", name="Quantity")
            field.fill("4")
            field.blur()
            expect(line(page, "TEA TOWEL").locator(".line-total")).to_have_text("£8.00")
            assert quantities() == [("SPOTTY MUG", 7), ("TEA TOWEL", 4)]

        # Remove sits in the last cell but belongs to its own line's form.
        line(page, "TEA TOWEL").get_by_role("button", name="Remove").click()
        expect(page.locator(".cart-line")).to_have_count(1)
        assert [name for name, _q in quantities()] == ["SPOTTY MUG"]
        page.screenshot(path=str(artifacts_dir / f"cart-edits-{javascript}.png"), full_page=True)
    finally:
        context.close()
