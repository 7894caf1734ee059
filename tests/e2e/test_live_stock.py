"""The live stock page changes its number without a reload when an order is placed.

Served by uvicorn (the real ASGI app, in-memory channel layer) in a thread of the test process,
like the live chat journey; the order goes through the real checkout service.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from rapport.aftersales.tests.factories import buy
from rapport.checkout.tests.factories import stocked_product
from rapport.core import testing
from rapport.customers.models import Customer
from rapport.inventory.services import adjust_stock
from tests.e2e.test_live_chat import AsgiServer, browser_as

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(monkeypatch: Any) -> Iterator[AsgiServer]:
    # The server's threads close their connections after each call (see test_live_chat).
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    running = AsgiServer()
    running.start()
    try:
        yield running
    finally:
        running.stop()


def elsewhere(work: Any, **kwargs: Any) -> Any:
    """Run a service in another thread, as a request would: Playwright's event loop lives in
    this one, and the service publishes through the channel layer after commit."""

    def call() -> Any:
        try:
            return work(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def test_stock_number_changes_without_reload_after_an_order(browser, server, make_user, settings):
    from playwright.sync_api import expect

    settings.RAPPORT_LOW_STOCK_THRESHOLD = 3
    emma = make_user("emma@staff.example.com", role="Employee", first_name="Emma")
    ann_user = make_user("ann@example.com", first_name="Ann")
    ann = Customer.objects.create(user=ann_user, email=ann_user.email, name="Ann Buyer")
    lantern = stocked_product(quantity=5, name="Storm lantern")
    staff_client = Client()
    testing.login_staff(staff_client, emma)
    context, page = browser_as(browser, server, staff_client)
    try:
        page.goto(f"/{settings.RAPPORT_STAFF_PATH}/stock/live/")
        expect(page.locator("[data-stock-socket]")).to_have_attribute("data-state", "online")
        row = page.locator(f'[data-product="{lantern.public_id}"]')
        expect(row.locator("[data-stock-quantity]")).to_have_text("5")
        expect(row).to_have_attribute("data-low", "0")
        page.evaluate("window.__noReload = 'still here'")

        elsewhere(buy, user=ann_user, customer=ann, items=[(lantern, 2)], key="live-stock")

        expect(row.locator("[data-stock-quantity]")).to_have_text("3")
        expect(row).to_have_attribute("data-low", "1")
        expect(row).to_have_class("low-stock")

        elsewhere(adjust_stock, product=lantern, delta=7, reason="restock", actor=emma)
        expect(row.locator("[data-stock-quantity]")).to_have_text("10")
        expect(row).to_have_attribute("data-low", "0")
        assert page.evaluate("window.__noReload") == "still here"
    finally:
        context.close()
