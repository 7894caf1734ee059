"""Allocation of discounts onto lines and per-unit return shares: exact to the cent for any
input (Hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.orders.netting import allocate, allocate_discounts, returned_share, shipping_share

CENT = Decimal("0.01")
cents = st.integers(min_value=0, max_value=10_000_00).map(lambda c: Decimal(c) / 100)


@given(weights=st.lists(cents, min_size=1, max_size=8), data=st.data())
def test_allocation_sums_exactly_and_never_exceeds_a_weight(weights, data):
    whole = sum(weights, Decimal(0))
    amount = data.draw(st.integers(0, int(whole * 100)).map(lambda c: Decimal(c) / 100))
    parts = allocate(amount, weights)
    assert sum(parts, Decimal(0)) == amount
    assert all(Decimal(0) <= p <= w for p, w in zip(parts, weights, strict=True))
    assert all(p == p.quantize(CENT) for p in parts)


def test_allocation_gives_leftover_cents_to_the_largest_remainders():
    # 0.10 over 3 equal lines: 0.03 each and the first (earliest on a tie) gets the cent.
    assert allocate(Decimal("0.10"), [Decimal(1)] * 3) == [
        Decimal("0.04"),
        Decimal("0.03"),
        Decimal("0.03"),
    ]
    # 1.00 over 1:2 → 0.333… and 0.666…: the larger remainder (0.666) gets the cent.
    assert allocate(Decimal("1.00"), [Decimal(1), Decimal(2)]) == [Decimal("0.33"), Decimal("0.67")]


def test_allocation_refuses_what_cannot_be_placed():
    with pytest.raises(ValueError):
        allocate(Decimal("1.00"), [Decimal(0)])
    with pytest.raises(ValueError):
        allocate(Decimal("-1.00"), [Decimal(1)])


def test_bundle_discount_goes_only_onto_its_members():
    lines = [(1, Decimal("20.00")), (2, Decimal("8.00")), (3, Decimal("5.00"))]
    # A bundle of one unit of product 1 (10.00 of the 20.00 line) and product 2, 3.00 off.
    bundle = SimpleNamespace(
        amount=Decimal("3.00"), members=((1, Decimal("10.00")), (2, Decimal("8.00")))
    )
    points = SimpleNamespace(amount=Decimal("1.00"))  # order-wide: over what lines still cost
    assert allocate_discounts(lines, [bundle]) == [Decimal("1.67"), Decimal("1.33"), Decimal("0")]
    both = allocate_discounts(lines, [bundle, points])
    assert sum(both, Decimal(0)) == Decimal("4.00")
    assert both[2] > 0  # the order-wide discount reaches the line outside the bundle


def test_a_discount_larger_than_its_goods_is_refused():
    with pytest.raises(ValueError):
        allocate_discounts([(1, Decimal("1.00"))], [SimpleNamespace(amount=Decimal("2.00"))])


@given(
    net=cents,
    quantity=st.integers(1, 20),
    steps=st.lists(st.integers(1, 20), min_size=1, max_size=20),
)
def test_returning_every_unit_in_any_steps_refunds_the_net_exactly(net, quantity, steps):
    done, total = 0, Decimal(0)
    for step in steps:
        k = min(step, quantity - done)
        if k == 0:
            break
        part = returned_share(net, quantity, done, done + k)
        done += k
        total += part
        assert part >= 0
        # Never more than half a cent away from the exact value of the units returned so far.
        assert abs(total - net * done / quantity) <= Decimal("0.005")
        assert total <= net
    if done < quantity:
        total += returned_share(net, quantity, done, quantity)
    assert total == net


def test_shipping_share_is_proportional_and_complete_when_everything_is_back():
    assert shipping_share(
        Decimal("4.95"), Decimal("37.33"), Decimal("10.00"), everything_back=False
    ) == Decimal("1.33")
    assert shipping_share(
        Decimal("4.95"), Decimal("37.33"), Decimal("10.00"), everything_back=True
    ) == Decimal("4.95")
    assert shipping_share(Decimal("4.95"), Decimal(0), Decimal(0), everything_back=False) == 0
