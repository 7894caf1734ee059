"""A customer's draft order arrives through the offline sync; an employee finds it in the
portal's menu, edits it, places it, and the customer sees it placed in the store (real
Chromium, two sessions)."""

import uuid

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from rapport.checkout.tests.factories import address_for, stock_of, stocked_product
from rapport.customers.models import Customer
from rapport.orders.models import Order
from rapport.sync.tests.helpers import client_for, draft_save, push
from tests.e2e.test_quote_journey import _context_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_synced_draft_is_edited_and_placed_in_the_portal(browser, live_server, people):
    ann = Customer.objects.get(user=people["customer"])
    address_for(ann)
    lamp = stocked_product(quantity=40, price="25.00", sku="LAMP-1", name="DESK LAMP")
    draft_id = uuid.uuid4()
    [result] = push(client_for(people["customer"]), draft_save(draft_id, ann, [(lamp, 2)]))
    assert result["status"] == "applied"

    staff = _context_for(browser, live_server, people["employee"], staff=True)
    shop = _context_for(browser, live_server, people["customer"], staff=False)
    try:
        emma = staff.new_page()
        emma.set_default_timeout(15_000)
        emma.goto(reverse("portal:dashboard"))
        emma.locator("details.nav-group summary", has_text="Sales").click()
        emma.get_by_role("link", name="Draft orders").click()
        emma.get_by_role("link", name=f"Draft {str(draft_id)[:8]}").click()
        expect(emma.locator(".draft-total")).to_contain_text("50.00")
        emma.get_by_label("Quantity").first.fill("3")
        emma.get_by_role("button", name="Save draft").click()
        expect(emma.locator(".draft-total")).to_contain_text("75.00")
        emma.get_by_role("button", name="Place order").click()
        expect(emma.locator("h1")).to_contain_text("Order R")
        order = Order.objects.get()
        assert stock_of(lamp) == 37 and order.subtotal == 75

        ann_page = shop.new_page()
        ann_page.set_default_timeout(15_000)
        ann_page.goto(reverse("storefront:drafts"))
        expect(ann_page.locator(".draft-status")).to_have_text("Placed")
        expect(ann_page.get_by_role("link", name=order.number)).to_be_visible()
    finally:
        staff.close()
        shop.close()
