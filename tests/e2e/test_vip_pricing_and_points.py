"""A VIP customer in a real browser: their price-list price (list price struck through) on the
product page and in the cart, loyalty points spent at checkout, the order showing the points
discount and the balance going down."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from rapport.catalog.tests.factories import CategoryFactory
from rapport.checkout.tests.factories import stocked_product
from rapport.customers.models import Customer
from rapport.customers.tests.factories import reseed
from rapport.customervalue.models import CustomerValue
from rapport.loyalty.queries import balance_of
from rapport.loyalty.tests.factories import with_points
from rapport.orders.models import LineKind, Order
from rapport.pricing import services as pricing

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def vip(make_user, password):
    reseed()  # choice lists for the profiling question (flushed by transactional tests)
    lights = CategoryFactory(name="Candles & Lights", slug="candles-lights")
    lantern = stocked_product(
        quantity=20, price="12.50", name="MOROCCAN METAL LANTERN", category=lights
    )
    manager = make_user("max@staff.example.com", role="Manager")
    user = make_user("vera@example.com", first_name="Vera")
    customer = Customer.objects.create(user=user, email=user.email, name="Vera Trade")
    with_points(customer, 600)  # earned before they became a VIP (1 point a pound)
    CustomerValue.objects.create(customer=customer, tier="important", account_manager=manager)
    tier_list = pricing.save_price_list(actor=None, name="Important", vip_tier="important")
    pricing.save_item(
        price_list=tier_list,
        product=lantern,
        min_quantity=1,
        actor=None,
        percent_off=Decimal("10"),
    )
    pricing.save_item(
        price_list=tier_list,
        product=lantern,
        min_quantity=6,
        actor=None,
        fixed_price=Decimal("10.00"),
    )
    return {"lantern": lantern, "customer": customer, "password": password, "list": tier_list}


def test_vip_sees_their_price_and_pays_part_with_points(page, vip):
    # A ceiling, not a wait: placing the order renders and mails the receipt, slow on a busy
    # machine.
    page.set_default_timeout(60_000)
    page.goto("/login/")
    page.get_by_label("Email").fill("vera@example.com")
    page.get_by_label("Password").fill(vip["password"])
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="My profile").first.wait_for()

    # The listing's card (one cached copy for everyone) shows their price too, asked for once.
    page.goto("/c/candles-lights/")
    card = page.locator(".product-card", has_text="Moroccan Metal Lantern")
    expect(card.locator(".list-price")).to_have_text("£12.50")
    expect(card.locator(".customer-price")).to_have_text("£11.25")

    # The product page: their price, the list price struck through, and the tier below.
    page.goto(vip["lantern"].get_absolute_url())
    expect(page.locator(".your-price .list-price")).to_have_text("£12.50")
    expect(page.locator(".your-price .customer-price")).to_have_text("£11.25")
    expect(page.locator(".tier-prices")).to_contain_text("From 6: £10.00")

    # Six in the cart reach the tier: 6 x 10.00.
    page.get_by_label("Quantity").fill("6")
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_text("is in your cart").wait_for()
    page.get_by_role("link", name="View cart").click()
    expect(page.locator(".cart-line .list-price")).to_have_text("£12.50")
    expect(page.locator(".cart-line .line-total")).to_have_text("£60.00")
    page.get_by_role("link", name="Checkout").click()

    # Details: address, cash on delivery, 500 of the 600 points.
    page.get_by_label("Full name").fill("Vera Trade")
    page.locator("#id_new-line1").fill("2 Market Square")
    page.get_by_label("Postal code").fill("M1 1AA")
    page.get_by_label("City").fill("Manchester")
    page.get_by_label("Country").fill("United Kingdom")
    page.locator('input[name="payment"][value="cod"]').check()
    expect(page.locator(".loyalty-points")).to_contain_text("You have 600 points.")
    page.get_by_label("Points to spend").fill("500")
    page.get_by_role("button", name="Continue to verify").click()

    expect(page.locator(".points-discount")).to_contain_text("Loyalty points (500)")
    expect(page.locator(".points-discount td")).to_have_text("\u2212£5.00")
    total = page.locator(".order-total").inner_text()
    page.get_by_role("button", name="Confirm and pay").click()
    page.get_by_text("Your order is confirmed").wait_for()

    # The order shows the points discount; the balance went from 600 to 100.
    expect(page.get_by_role("cell", name="Loyalty points (500)")).to_be_visible()
    order = Order.objects.get(customer=vip["customer"], idempotency_key__isnull=False)
    assert f"£{order.total}" == total
    line = order.lines.get(kind=LineKind.PRODUCT)
    assert (line.unit_price, line.price_list_id) == (Decimal("10.00"), vip["list"].pk)
    assert balance_of(vip["customer"]) == 100
    page.goto("/account/points/")
    expect(page.locator(".points-balance")).to_have_text("100")
    expect(page.locator(".points-history")).to_contain_text("Spent on an order")

    # And their account manager is on the profile.
    page.goto("/account/profile/")
    expect(page.get_by_test_id("account-manager")).to_contain_text("max@staff.example.com")
