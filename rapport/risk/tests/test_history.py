"""The customer history order scoring reads from one maintained row (`risk/history.py`) is the
history counted from the orders, after placing, cancelling, merging, importing, and when two
orders of the same customer are placed at once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from rapport.accounts.models import User
from rapport.checkout.services import (
    NegotiatedDeal,
    NegotiatedLine,
    place_negotiated_order,
    place_order,
)
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.customers.models import Customer
from rapport.customers.services.rights import merge_customers
from rapport.orders.lifecycle import advance_order
from rapport.orders.models import LineKind, Order, OrderKind, OrderLine, OrderStatus
from rapport.risk.features import Basket, CustomerHistory, Rates, vector
from rapport.risk.history import count_history, note_order_placed, refresh, refresh_changed
from rapport.risk.models import RiskHistory, RiskSettings
from rapport.risk.store import history_for


def _comparable(h: CustomerHistory) -> dict:
    d = dict(vars(h))
    d["order_dates"] = sorted(h.order_dates)
    d["recent_days"] = sorted(h.recent_days)
    return d


def _assert_row_is_the_count(customer: Customer, *, skus=("X",)) -> CustomerHistory:
    """The history the next order sees, from the row, equals the history counted from the
    orders, and so do the feature vectors built from each for a basket."""
    assert RiskHistory.objects.filter(customer=customer).exists()
    probe = Order(customer=customer, placed_at=timezone.now() + timedelta(seconds=1))
    kept = history_for(probe)
    counted = count_history(customer.pk, probe.placed_at)
    assert _comparable(kept) == _comparable(counted)
    basket = Basket(probe.placed_at, "United Kingdom", {s: (1, 10.0) for s in skus})
    assert vector(kept, basket, Rates()) == vector(counted, basket, Rates())
    return kept


def _buy(user, customer, key, *items, method="cod"):
    return place_order(
        cart=cart_with(user, *items),
        customer=customer,
        address=address_for(customer),
        shipping_method="standard",
        payment_method=method,
        idempotency_key=key,
        actor=user,
    )


@pytest.mark.django_db
def test_places_and_cancels_keep_the_row_equal_to_the_count(people):
    user = people["customer"]
    customer = Customer.objects.get(user=user)
    a, b, c = (stocked_product(quantity=50, price=p) for p in ("10.00", "7.50", "99.99"))

    first = _buy(user, customer, "h1", (a, 2), (b, 1))
    assert first.risk.features["prior_orders"] == 0
    row = RiskHistory.objects.get(customer=customer)
    assert (row.orders, row.lines, row.sold_value) == (1, 2, first.total)

    second = _buy(user, customer, "h2", (c, 1))
    _assert_row_is_the_count(customer, skus=(a.sku, c.sku))
    advance_order(order=first, to=OrderStatus.CANCELLED, actor=people["manager"])
    kept = _assert_row_is_the_count(customer, skus=(a.sku, c.sku))
    assert (kept.orders, kept.cancellations, kept.cancelled_orders) == (2, 1, 1)
    assert kept.cancelled_codes == {a.sku, b.sku}

    third = _buy(user, customer, "h3", (a, 1), (c, 3))
    # The third order was scored on the history before it, as counted from the orders.
    assert third.risk.features["prior_orders"] == 2
    assert third.risk.features["prior_cancellations"] == 1
    assert third.risk.features["basket_codes_cancelled_before"] == 0.5
    advance_order(order=second, to=OrderStatus.CANCELLED, actor=people["manager"])
    _buy(user, customer, "h4", (b, 1))
    kept = _assert_row_is_the_count(customer, skus=(a.sku, b.sku, c.sku))
    assert (kept.orders, kept.cancellations, kept.lines) == (4, 2, 6)
    assert len(kept.order_dates) == 4
    assert kept.sold_value == float(sum(o.total for o in Order.objects.filter(customer=customer)))


@pytest.mark.django_db
def test_orders_written_outside_the_services_are_recounted_by_the_hourly_task(people):
    user = people["customer"]
    customer = Customer.objects.get(user=user)
    product = stocked_product(quantity=10)
    _buy(user, customer, "h1", (product, 1))
    RiskSettings.objects.update_or_create(pk=1, defaults={"histories_counted_at": timezone.now()})
    # An import writes a credit note for the customer (no service involved).
    note = Order.objects.create(
        number="C-1",
        kind=OrderKind.CREDIT_NOTE,
        customer=customer,
        total=Decimal("-10.00"),
        placed_at=timezone.now() - timedelta(days=2),
        source="import",
    )
    OrderLine.objects.create(
        order=note,
        product=product,
        sku=product.sku,
        name="x",
        quantity=-1,
        unit_price=Decimal("10.00"),
        line_total=Decimal("-10.00"),
    )
    stale = history_for(Order(customer=customer, placed_at=timezone.now()))
    assert stale.cancellations == 0

    assert refresh_changed() == 1

    kept = _assert_row_is_the_count(customer, skus=(product.sku,))
    assert (kept.cancellations, kept.cancelled_value, kept.cancelled_codes) == (
        1,
        10.0,
        {product.sku},
    )
    assert RiskSettings.objects.get(pk=1).histories_counted_at is not None


@pytest.mark.django_db
def test_the_first_hourly_run_backfills_every_customer_with_orders(people):
    ann = Customer.objects.get(user=people["customer"])
    bob = Customer.objects.get(user=people["other_customer"])
    _buy(people["customer"], ann, "a1", (stocked_product(), 1))
    _buy(people["other_customer"], bob, "b1", (stocked_product(), 2))
    RiskHistory.objects.all().delete()
    # Without a row, scoring counts from the orders (the same history).
    probe = Order(customer=ann, placed_at=timezone.now() + timedelta(seconds=1))
    assert _comparable(history_for(probe)) == _comparable(count_history(ann.pk, probe.placed_at))

    assert refresh_changed() == 2

    assert RiskHistory.objects.count() == 2
    assert _assert_row_is_the_count(ann).orders == 1
    assert _assert_row_is_the_count(bob).lines == 1


@pytest.mark.django_db
def test_a_merge_moves_the_history_to_the_survivor(people):
    ann = Customer.objects.get(user=people["customer"])
    bob = Customer.objects.get(user=people["other_customer"])
    _buy(people["customer"], ann, "a1", (stocked_product(), 1))
    _buy(people["other_customer"], bob, "b1", (stocked_product(), 1))
    _buy(people["other_customer"], bob, "b2", (stocked_product(), 1))

    merge_customers(survivor=ann, loser=bob, actor=people["manager"])

    assert _assert_row_is_the_count(ann).orders == 3
    assert RiskHistory.objects.get(customer=bob).orders == 0


@pytest.mark.django_db
def test_a_customer_without_orders_has_an_empty_history_and_no_row(people):
    ann = Customer.objects.get(user=people["customer"])
    history = history_for(Order(customer=ann, placed_at=timezone.now()))
    assert _comparable(history) == _comparable(CustomerHistory())
    assert refresh([ann.pk]) == 1
    assert _assert_row_is_the_count(ann).orders == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("earlier", [0, 1], ids=["first-orders", "row-exists"])
def test_two_orders_placed_at_once_by_one_customer_both_count(earlier):
    skip_unless_postgres()
    user = User.objects.create_user(email="twice@example.com", password="x" * 20)
    customer = Customer.objects.create(user=user, email=user.email, name="Twice")
    products = [stocked_product(quantity=10, price="12.00") for _ in range(3)]
    for i in range(earlier):
        _buy(user, customer, f"before-{i}", (products[2], 1))
    # One order from the cart, one from an accepted quote (a customer has one open cart).
    cart = cart_with(user, (products[0], 1), (products[2], 1))
    deal = NegotiatedDeal(
        reference="quote Q-1 v1",
        lines=(
            NegotiatedLine(products[1].pk, 2, Decimal("11.00")),
            NegotiatedLine(products[2].pk, 1, Decimal("11.00")),
        ),
    )
    address = address_for(customer)
    common = {
        "customer": customer,
        "address": address,
        "shipping_method": "standard",
        "payment_method": "cod",
        "actor": user,
    }

    def place(i: int) -> Order:
        if i == 0:
            return place_order(cart=cart, idempotency_key="at-once-cart", **common)
        with transaction.atomic():
            return place_negotiated_order(deal=deal, idempotency_key="at-once-deal", **common)

    results = run_concurrently(2, place)

    assert [type(r).__name__ for r in results] == ["Order", "Order"]
    kept = _assert_row_is_the_count(customer)
    assert (kept.orders, kept.lines) == (earlier + 2, earlier + 4)
    assert kept.sold_value == float(sum(o.total for o in Order.objects.filter(customer=customer)))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_notes_and_recounts_lose_no_order():
    """The row lock itself: orders noted at once, and a recount running beside them."""
    skip_unless_postgres()
    customer = Customer.objects.create(email="many@example.com", name="Many")
    now = timezone.now()

    def order(i: int) -> Order:
        o = Order.objects.create(
            number=f"N-{i}", customer=customer, total=Decimal("5.00"), placed_at=now, source="t"
        )
        OrderLine.objects.create(
            order=o,
            kind=LineKind.PRODUCT,
            sku=f"S{i}",
            name="x",
            quantity=1,
            unit_price=Decimal("5.00"),
            line_total=Decimal("5.00"),
        )
        return o

    refresh([customer.pk])
    assert RiskHistory.objects.get(customer=customer).orders == 0

    def work(i: int) -> None:
        if i == 0:
            refresh([customer.pk])
            return
        with transaction.atomic():
            note_order_placed(order=order(i), product_lines=1)

    results = run_concurrently(6, work)

    assert results == [None] * 6
    row = RiskHistory.objects.get(customer=customer)
    assert (row.orders, row.lines, row.sold_value) == (5, 5, Decimal("25.00"))
    _assert_row_is_the_count(customer)
