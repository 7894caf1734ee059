"""The promise at checkout is the one stored on the order and mailed; the product page shows a
range for the visitor's region; UK orders get the documented fallback."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapport.catalog.models import Seller
from rapport.checkout.tests.factories import stocked_product
from rapport.core.testing import ALLOW, Row, check_matrix, expect, login_customer
from rapport.customers.models import Customer
from rapport.delivery import services
from rapport.delivery.model import train
from rapport.delivery.olist_tables import read_geo, read_orders
from rapport.orders.models import Order, OrderLine

SLICE = Path(__file__).resolve().parents[3] / "tests" / "data" / "delivery"


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    promiser = train(read_orders(SLICE), geo=read_geo(SLICE), source="olist")
    return services.save_promiser(promiser, tmp_path_factory.mktemp("model") / "model.json")


@pytest.fixture
def model(model_file, settings):
    settings.RAPPORT_DELIVERY_MODEL_PATH = model_file
    return services.load_promiser()


def sold_by_a_sao_paulo_seller(product):
    """The product's marketplace history: one earlier order line from seller 01031 (SP)."""
    seller = Seller.objects.create(external_id="sp-seller", zip_code_prefix="01031", state="SP")
    order = Order.objects.create(
        number="OL-history", placed_at=timezone.now() - datetime.timedelta(days=40), source="olist"
    )
    OrderLine.objects.create(
        order=order,
        product=product,
        seller=seller,
        sku=product.sku,
        name=product.name,
        quantity=1,
        unit_price=product.price,
        line_total=product.price,
        freight=Decimal("12.00"),
    )
    return product


def shown_date(html: str) -> str:
    return re.search(r'class="promise-date">([^<]+)<', html)[1]


@pytest.mark.django_db(transaction=True)
def test_checkout_promise_is_stored_on_the_order_and_mailed(model, make_user, smtp_server):
    user = make_user("ana@example.com")
    Customer.objects.create(user=user, email=user.email, name="Ana Souza")
    client = Client()
    login_customer(client, user)
    product = sold_by_a_sao_paulo_seller(stocked_product(quantity=5, price="80.00"))
    client.post(
        reverse("storefront:cart_add"), {"product": str(product.public_id), "quantity": "1"}
    )
    client.post(
        reverse("storefront:checkout"),
        {
            "address": "new",
            "new-name": "Ana Souza",
            "new-line1": "Rua Nova 10",
            "new-postal_code": "37505-120",  # Itajubá, MG
            "new-city": "Itajubá",
            "new-country": "Brazil",
            "shipping": "standard",
            "payment": "cod",
        },
    )
    verify = client.get(reverse("storefront:checkout_verify")).content.decode()
    shown = shown_date(verify)
    assert "wider estimate" not in verify  # placed on the SP → MG route
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', verify)[1]
    client.post(reverse("storefront:checkout_verify"), {"idempotency_key": key})

    order = Order.objects.get(source="web")
    stored = timezone.localtime(order.estimated_delivery_at)
    assert f"{stored:%A}, {stored.day} {stored:%B %Y}" == shown
    [mail] = smtp_server.wait_for(1)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"Delivered by: {shown}" in body
    # And the route decided it: the same cart to an unplaceable address promises later.
    fallback = services.promise_for_checkout(
        items=[(product.pk, 1)],
        postal_code="E1 6AN",
        country="United Kingdom",
        placed_at=order.placed_at,
    )
    assert not fallback.placed and fallback.promised >= order.estimated_delivery_at


@pytest.mark.django_db
def test_product_page_range_for_a_typed_postcode_and_the_uk_fallback(model, client):
    product = sold_by_a_sao_paulo_seller(stocked_product(quantity=5, price="80.00"))
    url = reverse("storefront:delivery_estimate", args=[product.public_id])
    page = client.get(product.get_absolute_url()).content.decode()
    assert f'hx-get="{url}"' in page  # the cached page only holds the hook
    placed = client.get(url, {"postcode": "37505-120"})
    html = placed.content.decode()
    assert placed.status_code == 200 and placed["Cache-Control"] == "private, no-store"
    assert "Delivery to MG:" in html and "wider estimate" not in html
    assert re.search(r"Delivery to MG: (\d+ to \d+|\d+) working days? · by", html)
    # Off route (a UK postcode) the standard method's working days decide, as at checkout.
    away = client.get(url, {"postcode": "E1 6AN"}).content.decode()
    assert "wider estimate" not in away
    assert "Delivery: 3 to 5 working days · by" in away


@pytest.mark.django_db
def test_without_a_model_the_default_days_apply_and_nothing_fails(client, settings, tmp_path):
    settings.RAPPORT_DELIVERY_MODEL_PATH = tmp_path / "missing.json"
    settings.RAPPORT_DELIVERY_DEFAULT_DAYS = 6
    product = stocked_product(quantity=1, price="5.00")
    html = client.get(
        reverse("storefront:delivery_estimate", args=[product.public_id]), {"postcode": "01310"}
    ).content.decode()
    assert "Delivery: 3 to 5 working days" in html  # the standard method, off any route
    when = datetime.datetime(2025, 3, 3, 12, tzinfo=datetime.UTC)  # a Monday
    # Six days on is a Sunday: the promise moves to the Monday after, the carrier's next day.
    promised = services.promised_datetime(when).date()
    assert promised == datetime.date(2025, 3, 10) and promised.isoweekday() == 1


@pytest.mark.django_db
def test_a_model_file_of_the_older_format_falls_back_to_the_default(tmp_path, settings):
    settings.RAPPORT_DELIVERY_MODEL_PATH = tmp_path / "model.json"
    (tmp_path / "model.json").write_text('{"checkout": {"beta": [1.0]}, "trained_on": 10}')
    assert services.load_promiser() is None


@pytest.mark.django_db
def test_permission_matrix(clients, model):
    product = stocked_product(quantity=1, price="5.00")
    url = reverse("storefront:delivery_estimate", args=[product.public_id])
    rows = [
        # A public fragment, like the product page it sits on.
        Row("delivery estimate", url, expect(everyone=ALLOW)),
        Row("delivery estimate (post)", url, expect(everyone=405), "post"),
    ]
    assert check_matrix(rows, clients, {}) == []
