"""On a 390 x 844 phone every page a customer uses fits the screen: no sideways scrolling.

The page is measured after it has settled (htmx swaps done): the document may not be wider than
the viewport, and neither may any element inside it.
"""

from decimal import Decimal

import pytest

from rapport.catalog.tests.factories import CategoryFactory
from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.customers.models import Customer
from rapport.customers.tests.factories import reseed
from rapport.payments.services import top_up_wallet

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

WIDEST = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 1 && el.getClientRects().length)
    .map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport=PHONE, is_mobile=True, has_touch=True
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def store(make_user, password):
    reseed()
    home = CategoryFactory(name="Home & Living", slug="home-living")
    lights = CategoryFactory(name="Candles & Lights", slug="candles-lights", parent=home)
    lantern = stocked_product(
        quantity=50,
        price="12.50",
        name="SET OF 3 MOROCCAN METAL LANTERNS WITH EXTRA LONG NAME",
        category=lights,
    )
    stocked_product(quantity=5, price="3.00", name="TEA LIGHT HOLDER", category=lights)
    user = make_user("pia@example.com", first_name="Pia")
    customer = Customer.objects.create(user=user, email=user.email, name="Pia Phone")
    top_up_wallet(customer=customer, amount=Decimal("500.00"), actor=None)
    order = place_order(
        cart=cart_with(user, (lantern, 3)),
        customer=customer,
        address=address_for(customer),
        shipping_method="standard",
        payment_method="wallet",
        idempotency_key="phone-1",
        actor=user,
    )
    return {"lantern": lantern, "order": order, "password": password}


def assert_fits(tab, name, artifacts_dir):
    tab.wait_for_load_state("networkidle")
    tab.screenshot(path=str(artifacts_dir / f"phone-{name}.png"), full_page=True)
    measured = tab.evaluate(WIDEST)
    assert measured["scroll"] <= measured["width"], (name, measured)
    assert measured["wide"] == [], (name, measured)


def test_store_pages_fit_a_phone_screen(phone, store, artifacts_dir):
    lantern = store["lantern"]
    phone.goto("/")
    assert_fits(phone, "home", artifacts_dir)
    phone.goto("/c/candles-lights/")
    assert_fits(phone, "listing", artifacts_dir)
    phone.goto(lantern.get_absolute_url())
    assert_fits(phone, "product", artifacts_dir)

    phone.get_by_role("button", name="Add to cart").click()
    phone.get_by_text("is in your cart").wait_for()
    phone.goto("/cart/")
    phone.get_by_role("button", name="One more").wait_for()
    assert_fits(phone, "cart", artifacts_dir)

    phone.goto("/login/")
    assert_fits(phone, "login", artifacts_dir)
    phone.get_by_label("Email").fill("pia@example.com")
    phone.get_by_label("Password").fill(store["password"])
    phone.get_by_role("button", name="Log in").click()
    phone.wait_for_url(lambda url: "/login/" not in url)

    phone.goto("/checkout/")
    assert_fits(phone, "checkout", artifacts_dir)
    for name, path in [
        ("orders", "/account/orders/"),
        ("order", f"/account/orders/{store['order'].public_id}/"),
        ("profile", "/account/profile/"),
        ("preferences", "/account/preferences/"),
        ("security", "/account/security/"),
    ]:
        phone.goto(path)
        assert_fits(phone, name, artifacts_dir)
