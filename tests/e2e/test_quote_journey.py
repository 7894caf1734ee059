"""An employee offers a customer a quote, the customer counters it, the employee accepts the
counter-offer, and the order appears in the customer's orders (real Chromium, two sessions)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from rapport.aftersales.tests.factories import reachable
from rapport.checkout.tests.factories import address_for, stock_of, stocked_product
from rapport.core import testing
from rapport.customers.models import Customer
from rapport.orders.models import Order
from rapport.quotes.models import Quote, QuoteStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _context_for(browser, live_server, user, *, staff):
    client = Client()
    if staff:
        testing.login_staff(client, user)
    else:
        testing.login_customer(client, user)
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context


def test_quote_offer_counter_and_acceptance_become_an_order(
    browser, live_server, people, artifacts_dir
):
    ann = reachable(Customer.objects.get(user=people["customer"]))
    address_for(ann)
    stocked_product(quantity=40, price="25.00", sku="LAMP-1", name="DESK LAMP")

    staff = _context_for(browser, live_server, people["employee"], staff=True)
    shop = _context_for(browser, live_server, people["customer"], staff=False)
    try:
        emma = staff.new_page()
        emma.set_default_timeout(15_000)
        emma.goto(reverse("portal:customer_detail", kwargs={"public_id": ann.public_id}))
        emma.get_by_role("link", name="New quote").click()
        emma.locator("input[name=sku]").first.fill("LAMP-1")
        emma.locator("input[name=quantity]").first.fill("10")
        emma.locator("input[name=unit_price]").first.fill("22.00")
        emma.get_by_label("Note to the customer").fill("Ten lamps for the new office")
        emma.get_by_role("button", name="Save draft").click()
        emma.get_by_role("button", name="Send to the customer").click()
        expect(emma.locator(".quote-status")).to_have_text("Sent")
        number = Quote.objects.get().number

        ann_page = shop.new_page()
        ann_page.set_default_timeout(15_000)
        ann_page.goto(reverse("storefront:quotes"))
        ann_page.get_by_role("link", name=number).click()
        ann_page.get_by_label("Quantity LAMP-1").fill("12")
        ann_page.get_by_label("Unit price LAMP-1").fill("20.00")
        ann_page.locator("#counter-note").fill("Twelve at 20?")
        ann_page.get_by_role("button", name="Send counter-offer").click()
        expect(ann_page.locator(".quote-status")).to_have_text("Countered")
        # Both versions side by side, the changed values highlighted.
        expect(ann_page.locator(".quote-versions mark.changed")).to_have_count(3)

        emma.reload()
        expect(emma.locator(".quote-versions th[data-version='2']")).to_be_visible()
        emma.screenshot(path=str(artifacts_dir / "quote-versions.png"), full_page=True)
        emma.get_by_role("button", name="Accept and place the order").click()
        expect(emma.locator("h1")).to_contain_text("Order R")
        order = Order.objects.get()

        ann_page.goto(reverse("storefront:orders"))
        expect(ann_page.get_by_role("link", name=order.number)).to_be_visible()
    finally:
        staff.close()
        shop.close()

    quote = Quote.objects.get()
    assert quote.status == QuoteStatus.ACCEPTED and quote.order == order
    assert order.subtotal == Decimal("240.00") and order.source == "quote"
    assert stock_of(order.lines.get(kind="product").product) == 28
