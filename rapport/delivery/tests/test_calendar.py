"""The carrier's calendar: dispatch cut-off, working days, no Sunday or public-holiday delivery,
and the shipping option and the checkout promise as one figure."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapport.checkout.shipping import METHODS
from rapport.checkout.tests.factories import stocked_product
from rapport.core.testing import login_customer
from rapport.customers.models import Customer
from rapport.delivery import calendar, services
from rapport.delivery.features import OrderFacts
from rapport.orders.models import Order


def at(year: int, month: int, day: int, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


@pytest.fixture(autouse=True)
def uk_calendar(settings, tmp_path):
    settings.RAPPORT_REGION = "GB"
    settings.RAPPORT_HOLIDAY_SUBDIVISION = "ENG"
    settings.RAPPORT_DISPATCH_WEEKDAYS = [1, 2, 3, 4, 5]
    settings.RAPPORT_DELIVERY_WEEKDAYS = [1, 2, 3, 4, 5]
    settings.RAPPORT_DISPATCH_CUTOFF_HOUR = 14
    settings.RAPPORT_DELIVERY_MODEL_PATH = tmp_path / "no-model.json"  # off route everywhere


def promise(placed_at: datetime.datetime, method: str) -> services.Promise:
    facts = OrderFacts(
        ref="",
        purchased_at=timezone.localtime(placed_at).replace(tzinfo=None),
        customer_zip="",
        customer_state="",
    )
    return services.promise_for(facts, METHODS[method].transit)


def test_an_order_before_the_cut_off_leaves_the_same_day_and_after_it_the_next_working_day():
    assert calendar.dispatch_day(at(2026, 12, 7, 10)) == datetime.date(2026, 12, 7)  # Monday
    assert calendar.dispatch_day(at(2026, 12, 7, 15)) == datetime.date(2026, 12, 8)
    # Friday afternoon and the weekend leave on Monday.
    assert calendar.dispatch_day(at(2026, 12, 11, 16)) == datetime.date(2026, 12, 14)
    assert calendar.dispatch_day(at(2026, 12, 13, 9)) == datetime.date(2026, 12, 14)


def test_standard_and_express_count_working_days_and_never_land_on_a_weekend():
    standard = promise(at(2026, 12, 11, 16), "standard")  # Friday after the cut-off
    assert standard.dispatch == datetime.date(2026, 12, 14)
    assert standard.earliest.date() == datetime.date(2026, 12, 17)  # Thursday: 3 working days
    assert standard.promised.date() == datetime.date(2026, 12, 21)  # Monday: 5 working days
    assert standard.working_days == (3, 5) and standard.by_method
    express = promise(at(2026, 12, 11, 16), "express")
    assert express.promised.date() == datetime.date(2026, 12, 15)  # the next working day
    for hour_offset in range(0, 24 * 14, 5):  # two weeks of order times
        placed = at(2026, 11, 2, 0) + datetime.timedelta(hours=hour_offset)
        for method in METHODS:
            assert promise(placed, method).promised.isoweekday() <= 5


def test_public_holidays_are_skipped():
    # Wednesday 23 December 2026, morning: Christmas Day, the weekend and Boxing Day (observed
    # on Monday the 28th) are not delivery days.
    standard = promise(at(2026, 12, 23, 10), "standard")
    assert standard.dispatch == datetime.date(2026, 12, 23)
    assert standard.earliest.date() == datetime.date(2026, 12, 30)
    assert standard.promised.date() == datetime.date(2027, 1, 4)  # 1 January is a holiday too


def test_a_carrier_that_delivers_on_saturdays(settings):
    settings.RAPPORT_DELIVERY_WEEKDAYS = [1, 2, 3, 4, 5, 6]
    express = promise(at(2026, 12, 11, 10), "express")  # Friday morning
    assert express.promised.date() == datetime.date(2026, 12, 12)  # Saturday


def test_an_unknown_region_has_no_public_holidays_and_a_foreign_subdivision_is_ignored(settings):
    settings.RAPPORT_REGION = "CN"  # with the ENG subdivision left from GB
    calendar._public_holidays.cache_clear()
    assert calendar.is_holiday(datetime.date(2026, 10, 1))  # 国庆节
    settings.RAPPORT_REGION = "ZZ"
    assert not calendar.is_holiday(datetime.date(2026, 12, 25))
    calendar._public_holidays.cache_clear()


def test_labels():
    assert calendar.working_days_label(3, 5) == "3 to 5 working days"
    assert calendar.working_days_label(1, 1) == "next working day"
    assert calendar.working_days_label(2, 2) == "2 working days"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["standard", "express"])
def test_the_option_the_promise_shown_and_the_order_agree(method, make_user):
    user = make_user("uk@example.com")
    Customer.objects.create(user=user, email=user.email, name="Ann Wick")
    client = Client()
    login_customer(client, user)
    product = stocked_product(quantity=5, price="20.00")
    client.post(
        reverse("storefront:cart_add"), {"product": str(product.public_id), "quantity": "1"}
    )
    details = client.get(reverse("storefront:checkout")).content.decode()
    label = METHODS[method].days
    assert f"{METHODS[method].name} ({label})" in details
    client.post(
        reverse("storefront:checkout"),
        {
            "address": "new",
            "new-name": "Ann Wick",
            "new-line1": "1 High Street",
            "new-postal_code": "E1 6AN",
            "new-city": "London",
            "new-country": "United Kingdom",
            "shipping": method,
            "payment": "cod",
        },
    )
    verify = client.get(reverse("storefront:checkout_verify")).content.decode()
    assert f"{METHODS[method].name}: {label}" in verify
    assert "wider estimate" not in verify
    shown = re.search(r'class="promise-date">([^<]+)<', verify)[1]
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', verify)[1]
    client.post(reverse("storefront:checkout_verify"), {"idempotency_key": key})
    order = Order.objects.get(customer__user=user)
    stored = timezone.localtime(order.estimated_delivery_at)
    assert f"{stored:%A}, {stored.day} {stored:%B %Y}" == shown
    assert stored.isoweekday() <= 5
    dispatch = calendar.dispatch_day(order.placed_at)
    assert calendar.delivery_days_between(dispatch, stored.date()) == METHODS[method].max_days
