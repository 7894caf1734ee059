"""The nightly task refits the promises from the store's own shipments once there are enough."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from rapport.catalog.models import Seller
from rapport.checkout.tests.factories import stocked_product
from rapport.customers.models import Customer
from rapport.delivery import services
from rapport.delivery.features import CHECKOUT, HANDOVER, History
from rapport.delivery.model import Promiser, Stage
from rapport.delivery.olist_tables import read_geo
from rapport.delivery.tasks import retrain_delivery_model_task
from rapport.orders.models import Order, OrderLine, OrderStatus

pytestmark = pytest.mark.django_db
SLICE = Path(__file__).resolve().parents[3] / "tests" / "data" / "delivery"


@pytest.fixture
def starting_model(tmp_path, settings):
    """What Olist's training left: the zip geography and a flat 9-day promise."""
    settings.RAPPORT_DELIVERY_MODEL_PATH = tmp_path / "model.json"
    settings.RAPPORT_DELIVERY_RETRAIN_MIN_ORDERS = 100
    promiser = Promiser(
        checkout=Stage.constant(CHECKOUT, 9),
        handover=Stage.constant(HANDOVER, 5),
        geo=read_geo(SLICE),
        history=History(),
        source="olist",
    )
    return services.save_promiser(promiser)


def ship(count: int) -> tuple[Customer, Customer]:
    """`count` delivered orders from a São Paulo seller, alternately to São Paulo (2 days after
    the hand-over) and to Itajubá, MG (6 days)."""
    seller = Seller.objects.create(external_id="own", zip_code_prefix="01031", state="SP")
    near = Customer.objects.create(name="Near", postal_code="01031", region="SP", country="Brazil")
    far = Customer.objects.create(name="Far", postal_code="37505", region="MG", country="Brazil")
    product = stocked_product(quantity=1, price="50.00")
    start = timezone.now() - datetime.timedelta(days=200)
    for i in range(count):
        placed = start + datetime.timedelta(hours=30 * i)
        shipped = placed + datetime.timedelta(days=1)
        order = Order.objects.create(
            number=f"W-{i}",
            customer=near if i % 2 == 0 else far,
            status=OrderStatus.DELIVERED,
            placed_at=placed,
            approved_at=placed,
            shipped_at=shipped,
            delivered_at=shipped + datetime.timedelta(days=2 if i % 2 == 0 else 6),
            country="Brazil",
        )
        OrderLine.objects.create(
            order=order,
            product=product,
            seller=seller,
            sku=product.sku,
            name=product.name,
            quantity=1,
            unit_price=Decimal("50.00"),
            line_total=Decimal("50.00"),
            freight=Decimal("10.00"),
        )
    return near, far


def test_retrain_learns_the_stores_own_routes(starting_model):
    near, far = ship(160)

    assert retrain_delivery_model_task() == 160

    promiser = services.load_promiser()
    assert promiser is not None and promiser.source == "store"
    assert promiser.late_target == 0.08
    last = Order.objects.order_by("-placed_at")
    near_days = promiser.checkout_range(services.order_facts(last.filter(customer=near)[0]))
    far_days = promiser.checkout_range(services.order_facts(last.filter(customer=far)[0]))
    assert near_days[2] and far_days[2]  # both placed on a route
    bought_near = timezone.localtime(last.filter(customer=near)[0].placed_at).date()
    bought_far = timezone.localtime(last.filter(customer=far)[0].placed_at).date()
    assert (near_days[1] - bought_near).days < (far_days[1] - bought_far).days


def test_too_few_shipments_keep_the_current_model(starting_model):
    ship(40)
    before = starting_model.read_bytes()

    assert retrain_delivery_model_task() == 0

    assert starting_model.read_bytes() == before
