"""Build to order in a real browser: configure the demo laptop, hit a conflict, "fix it for
me", add to cart, buy, and find the configuration on the order page and in the e-receipt."""

import re
import subprocess
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from rapport.configurator.demo import create_demo_laptop
from rapport.customers.models import Customer
from rapport.customers.tests.factories import reseed
from rapport.orders.models import Order, OrderLine

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(make_user, password):
    reseed()
    laptop = create_demo_laptop().product
    user = make_user("dana@example.com", first_name="Dana")
    Customer.objects.create(user=user, email=user.email, name="Dana Builder")
    return {"laptop": laptop, "password": password}


def test_configure_fix_buy_and_see_the_configuration(page, shop, artifacts_dir):
    page.goto(shop["laptop"].get_absolute_url())
    page.get_by_role("link", name="Choose your options").click()
    # htmx listens for choices only once the page has loaded: a choice made before that would
    # change the radio button without asking the server (the CI failure of 2026-12-06).
    page.wait_for_url("**/configure/**", wait_until="load")
    assert page.evaluate("typeof htmx") == "object"
    panel = page.locator("#configurator-panel")

    # The compact chassis: the fast processor is shown as impossible, with the reason.
    def option(code: str):
        return page.locator(f'[data-option="{code}"] input')

    option("chassis-compact").check()
    fast = page.locator('[data-option="cpu-fast"]')
    expect(fast).to_have_class("option impossible")
    expect(fast).to_contain_text("Needs the large chassis")
    page.get_by_label("Memory").select_option("16")
    # Each click re-renders the panel: wait for the server's answer before the next one.
    expect(panel).to_have_attribute("data-picked", re.compile("memory"))
    option("storage-ssd512").check()
    expect(page.locator('[data-option="storage-ssd512"]')).to_have_class("option chosen")

    # Pick it anyway: a conflict, then "Fix it for me" moves to the large chassis.
    option("cpu-fast").check()
    expect(panel.get_by_role("alert")).to_contain_text("Needs the large chassis")
    expect(page.locator("#add-configured")).to_be_disabled()
    page.get_by_role("button", name="Fix it for me").click()
    expect(page.locator('[data-option="chassis-large"]')).to_have_class("option chosen")
    expect(page.locator('[data-option="cpu-fast"]')).to_have_class("option chosen")
    expect(page.locator("#price-so-far")).to_have_text("£1,159.00")
    page.screenshot(path=str(artifacts_dir / "configurator.png"), full_page=True)
    page.locator("#add-configured").click()

    # The cart line carries the configuration; check out.
    expect(page.locator(".line-configuration")).to_contain_text("Processor: Fast 16-core processor")
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password").fill(shop["password"])
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Full name").fill("Dana Builder")
    page.locator("#id_new-line1").fill("2 Market Square")
    page.get_by_label("Postal code").fill("M1 1AA")
    page.get_by_label("City").fill("Manchester")
    page.get_by_label("Country").fill("United Kingdom")
    page.locator('input[name="payment"][value="card"]').check()
    page.get_by_role("button", name="Continue to verify").click()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Confirm and pay").click()
    page.get_by_text("Your order is confirmed").wait_for()

    order = Order.objects.get()
    line = OrderLine.objects.get(order=order, product=shop["laptop"])
    assert line.unit_price == Decimal("1159.00")
    assert ["Chassis", "Large 16-inch chassis"] in line.configuration["summary"]

    page.get_by_role("link", name="My orders", exact=True).click()
    page.get_by_role("link", name=order.number).click()
    expect(page.locator(".line-configuration")).to_contain_text("Chassis: Large 16-inch chassis")
    expect(page.locator(".profile-question-slot")).to_have_count(0)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("link", name="Download e-receipt (PDF)").click()
    text = subprocess.run(
        ["pdftotext", str(download.value.path()), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Processor: Fast 16-core processor" in text
    assert "Memory: 16 GB" in text
