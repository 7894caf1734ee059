"""Redis (the shared cache) unreachable during a whole checkout: the order is still placed.

The cache points at a closed loopback port (never the shared Redis, which stays up), with the
same backend and options the settings give the real one.
"""

from __future__ import annotations

import socket

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.urls import reverse

from rapport.checkout.tests.factories import address_for, stock_of, stocked_product
from rapport.customers.models import Customer
from rapport.orders.models import Order

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nobody listens once the socket is closed


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": django_settings.REDIS_CACHE_BACKEND,
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": dict(django_settings.REDIS_CACHE_OPTIONS),
        }
    }
    # (pytest-django's settings fixture resets the cache handlers, as override_settings does)
    caches["default"].set("probe", 1)
    assert caches["default"].get("probe") is None  # really nothing there


def test_checkout_places_the_order_while_the_cache_is_down(clients, people, redis_down, caplog):
    client = clients["customer"]
    product = stocked_product(quantity=4, price="15.00", name="CAKESTAND")
    address = address_for(Customer.objects.get(user=people["customer"]))

    added = client.post(
        reverse("storefront:cart_add"), {"product": str(product.public_id), "quantity": "2"}
    )
    assert added.status_code in (200, 302)
    page = client.get(
        reverse("storefront:product", kwargs={"public_id": product.public_id, "slug": product.slug})
    )
    assert page.status_code == 200
    details = client.post(
        reverse("storefront:checkout"),
        {"address": str(address.public_id), "shipping": "standard", "payment": "cod"},
    )
    assert details.status_code == 302
    verify = client.get(reverse("storefront:checkout_verify"))
    assert verify.status_code == 200
    key = verify.content.decode().split('name="idempotency_key" value="')[1].split('"')[0]

    placed = client.post(reverse("storefront:checkout_verify"), {"idempotency_key": key})

    order = Order.objects.get()
    assert placed.status_code == 302
    assert placed["Location"] == reverse("storefront:order", kwargs={"public_id": order.public_id})
    assert stock_of(product) == 2
    assert client.get(placed["Location"]).status_code == 200
    # Every cache call failed and was logged, not raised.
    assert any("Connection refused" in r.getMessage() or r.exc_info for r in caplog.records)
