"""Live stock: a stock move reaches open staff pages over the websocket (after commit), only
staff may open that socket or the pages, and late shipments are flagged against the promise."""

from __future__ import annotations

import datetime

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapport.aftersales.tests.factories import buy
from rapport.chat.tests.helpers import cookie_of, next_of, open_socket
from rapport.checkout.tests.factories import stocked_product
from rapport.core import testing
from rapport.core.testing import STAFF_ONLY, Row, check_matrix, expect
from rapport.customers.models import Customer
from rapport.inventory.services import adjust_stock
from rapport.orders import logistics
from rapport.orders.lifecycle import advance_order
from rapport.orders.models import Order, Shipment


def stock_path() -> str:
    from django.conf import settings

    return f"/{settings.RAPPORT_STAFF_PATH}/ws/stock/"


def staff_cookie(user) -> str:
    client = Client()
    testing.login_staff(client, user)
    return cookie_of(client)


@pytest.mark.django_db(transaction=True)
def test_a_sale_and_an_adjustment_push_the_new_level_to_staff_sockets(people, settings):
    settings.RAPPORT_LOW_STOCK_THRESHOLD = 3
    product = stocked_product(quantity=5)
    ann = Customer.objects.get(user=people["customer"])
    cookie = staff_cookie(people["employee"])

    async def run():
        socket, connected, _ = await open_socket(stock_path(), cookie)
        assert connected
        # Asking for the levels of the products shown answers with the current ones.
        await socket.send_json_to({"type": "levels", "products": [str(product.public_id), "x"]})
        assert (await next_of(socket, "stock"))["levels"] == [
            {"product": str(product.public_id), "quantity": 5, "low": False}
        ]
        # An order placed through checkout moves stock: the page hears the new level.
        await database_sync_to_async(buy)(people["customer"], ann, [(product, 2)], key="live")
        assert (await next_of(socket, "stock"))["levels"] == [
            {"product": str(product.public_id), "quantity": 3, "low": True}
        ]
        await database_sync_to_async(adjust_stock)(
            product=product, delta=10, reason="restock", actor=people["employee"]
        )
        assert (await next_of(socket, "stock"))["levels"] == [
            {"product": str(product.public_id), "quantity": 13, "low": False}
        ]
        await socket.disconnect()

    async_to_sync(run)()


@pytest.mark.django_db(transaction=True)
def test_a_refused_move_publishes_nothing(people):
    from rapport.inventory.services import StockError

    product = stocked_product(quantity=1)
    cookie = staff_cookie(people["employee"])

    async def run():
        socket, connected, _ = await open_socket(stock_path(), cookie)
        assert connected
        with pytest.raises(StockError):
            await database_sync_to_async(adjust_stock)(
                product=product, delta=-5, reason="adjustment", actor=people["employee"]
            )
        assert await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()

    async_to_sync(run)()


@pytest.mark.django_db(transaction=True)
def test_a_signed_out_session_stops_receiving_levels(people, monkeypatch):
    from rapport.inventory import consumers

    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0)
    product = stocked_product(quantity=5)
    client = Client()
    testing.login_staff(client, people["employee"])
    cookie = cookie_of(client)

    async def run():
        socket, connected, _ = await open_socket(stock_path(), cookie)
        assert connected
        await database_sync_to_async(adjust_stock)(
            product=product, delta=1, reason="restock", actor=people["employee"]
        )
        assert (await next_of(socket, "stock"))["levels"][0]["quantity"] == 6
        await database_sync_to_async(client.logout)()
        await database_sync_to_async(adjust_stock)(
            product=product, delta=1, reason="restock", actor=people["employee"]
        )
        assert (await socket.receive_output(timeout=5))["type"] == "websocket.close"

    async_to_sync(run)()


@pytest.mark.django_db(transaction=True)
def test_the_stock_socket_refuses_customers_and_anonymous_visitors(people):
    customer = Client()
    testing.login_customer(customer, people["customer"])
    no_factor = Client()
    testing.login_staff_without_second_factor(no_factor, people["employee"])
    employee = staff_cookie(people["employee"])

    async def run():
        for cookie in ("", cookie_of(customer), cookie_of(no_factor)):
            _socket, connected, _ = await open_socket(stock_path(), cookie)
            assert not connected
        # Another site cannot open it with an employee's cookie either.
        _other, connected, _ = await open_socket(
            stock_path(), employee, origin="https://evil.example"
        )
        assert not connected

    async_to_sync(run)()


def _shipped(people, key, *, promised, delivered_at=None, carrier="DHL"):
    ann = Customer.objects.get(user=people["customer"])
    order = buy(people["customer"], ann, [(stocked_product(quantity=5), 1)], key=key)
    advance_order(order=order, to="packed", actor=people["employee"])
    advance_order(
        order=order, to="shipped", actor=people["employee"], carrier=carrier, tracking_number=key
    )
    Order.objects.filter(pk=order.pk).update(estimated_delivery_at=promised)
    if delivered_at is not None:
        advance_order(order=order, to="delivered", actor=people["employee"])
        Order.objects.filter(pk=order.pk).update(delivered_at=delivered_at)
    return Shipment.objects.select_related("order").get(order=order)


@pytest.mark.django_db
def test_late_shipments_are_flagged_against_the_promised_date(people, clients):
    now = timezone.now()
    day = datetime.timedelta(days=1)
    overdue = _shipped(people, "overdue", promised=now - 2 * day)
    on_time = _shipped(people, "on-time", promised=now + day, carrier="UPS")
    late_delivery = _shipped(people, "late-del", promised=now - 3 * day, delivered_at=now - day)
    early = _shipped(people, "early", promised=now - day, delivered_at=now - 2 * day)
    no_promise = _shipped(people, "none", promised=None, carrier="UPS")

    flags = {
        s.tracking_number: logistics.is_late(s, now)
        for s in (overdue, on_time, late_delivery, early, no_promise)
    }
    assert flags == {
        "overdue": True,
        "on-time": False,
        "late-del": True,
        "early": False,
        "none": False,
    }
    assert list(logistics.late_shipments(now)) == [overdue]
    assert logistics.days_late(overdue, now) == 2
    by_carrier = {c.carrier: c for c in logistics.shipments_by_carrier(now)}
    dhl, ups = by_carrier["DHL"], by_carrier["UPS"]
    assert (dhl.in_transit, dhl.late_in_transit, dhl.delivered, dhl.delivered_late) == (1, 1, 2, 1)
    assert (ups.in_transit, ups.late_in_transit, ups.delivered, ups.delivered_late) == (2, 0, 0, 0)

    page = clients["employee"].get(reverse("portal:shipments")).content.decode()
    assert page.count('data-late="1"') == 1 and overdue.order.number in page


@pytest.mark.django_db
def test_live_stock_and_shipments_pages_matrix(people, clients, settings):
    settings.RAPPORT_LOW_STOCK_THRESHOLD = 2
    low = stocked_product(quantity=1, name="Low lantern")
    stocked_product(quantity=9, name="Full tent")
    rows = [
        Row("portal:live_stock", reverse("portal:live_stock"), expect(**STAFF_ONLY)),
        Row(
            "portal:live_stock (low only)",
            reverse("portal:live_stock") + "?low=1",
            expect(**STAFF_ONLY),
        ),
        Row("portal:shipments", reverse("portal:shipments"), expect(**STAFF_ONLY)),
    ]
    assert check_matrix(rows, clients, {}) == []
    page = clients["employee"].get(reverse("portal:live_stock") + "?low=1").content.decode()
    assert f'data-product="{low.public_id}" data-low="1" class="low-stock"' in page
    assert "Full tent" not in page
