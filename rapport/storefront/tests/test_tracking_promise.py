"""The tracking page: the checkout promise stays; a firmer date appears while with the carrier."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from rapport.aftersales.tests.factories import buy, reachable, stocked_product
from rapport.customers.models import Customer
from rapport.delivery import calendar
from rapport.delivery.features import CHECKOUT, HANDOVER, Geo, History
from rapport.delivery.model import Promiser, Stage
from rapport.delivery.services import save_promiser
from rapport.orders.lifecycle import advance_order
from rapport.orders.models import OrderStatus

pytestmark = pytest.mark.django_db
S = OrderStatus


def constant_model(checkout: int, handover: int | None = None) -> Promiser:
    return Promiser(
        checkout=Stage.constant(CHECKOUT, checkout),
        handover=Stage.constant(HANDOVER, handover) if handover is not None else None,
        geo=Geo(),
        history=History(),
    )


@pytest.fixture
def model(tmp_path, settings):
    """A model promising 9 days from checkout and 2 days from the hand-over."""
    settings.RAPPORT_DELIVERY_MODEL_PATH = tmp_path / "model.json"
    return save_promiser(constant_model(9, 2), tmp_path / "model.json")


def day(value: datetime.date | datetime.datetime) -> str:
    return f"{value:%A}, {value.day} {value:%B %Y}"


def page(clients, order) -> str:
    url = reverse("storefront:order_tracking", args=[order.public_id])
    response = clients["customer"].get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_tracking_shows_the_updated_promise_only_while_with_the_carrier(clients, people, model):
    ann = reachable(Customer.objects.get(user=people["customer"]))
    order = buy(people["customer"], ann, [(stocked_product(quantity=5, price="10.00"), 1)])
    staff = people["employee"]
    order = advance_order(order=order, to=S.PACKED, actor=staff)
    promised = order.estimated_delivery_at
    assert promised is not None
    # Off any route the standard method's 5 working days decide the promise at checkout.
    assert timezone.localtime(promised).date() == calendar.add_delivery_days(
        calendar.dispatch_day(order.placed_at), 5
    )
    before = page(clients, order)
    assert day(timezone.localtime(promised)) in before
    assert "updated-promise-date" not in before

    order = advance_order(
        order=order, to=S.SHIPPED, actor=staff, carrier="DHL", tracking_number="JD1"
    )
    shipped = page(clients, order)
    expected = timezone.localtime(order.shipped_at).date() + datetime.timedelta(days=2)
    assert f'<strong class="updated-promise-date">{day(expected)}</strong>' in shipped
    assert day(timezone.localtime(promised)) in shipped  # the checkout promise is kept
    order.refresh_from_db()
    assert order.estimated_delivery_at == promised

    order = advance_order(order=order, to=S.DELIVERED, actor=staff)
    assert "updated-promise-date" not in page(clients, order)


def test_without_a_hand_over_model_no_updated_promise(clients, people, tmp_path, settings):
    settings.RAPPORT_DELIVERY_MODEL_PATH = tmp_path / "model.json"
    save_promiser(constant_model(9), tmp_path / "model.json")
    ann = reachable(Customer.objects.get(user=people["customer"]))
    order = buy(people["customer"], ann, [(stocked_product(quantity=5, price="10.00"), 1)])
    order = advance_order(order=order, to=S.PACKED, actor=people["employee"])
    order = advance_order(
        order=order, to=S.SHIPPED, actor=people["employee"], carrier="DHL", tracking_number="1"
    )
    assert "updated-promise-date" not in page(clients, order)
