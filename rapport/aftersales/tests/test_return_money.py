"""Money on returns with bundles: for any basket, bundle set and return sequence (Hypothesis,
through the real checkout and return services), refunds never exceed what was paid for the
returned units and a full return gives back exactly what was paid."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from rapport.accounts.models import User
from rapport.aftersales.returns import decide_return, receive_return, refund_return, request_return
from rapport.aftersales.tests.factories import buy, deliver, reachable
from rapport.checkout.tests.factories import stocked_product
from rapport.credit.services import get_policy, update_policy
from rapport.customers.models import Customer
from rapport.orders.models import LineKind, OrderLine, Refund
from rapport.payments.services import top_up_wallet
from rapport.recommendations import services as bundles

HALF_CENT = Decimal("0.005")


def _shop(prices, quantities, bundle_specs):
    staff = User.objects.create_user(email="emma@staff.example.com", password="x" * 12)
    user = User.objects.create_user(email="ann@example.com", password="x" * 12)
    customer = reachable(Customer.objects.create(user=user, email=user.email, name="Ann"))
    # Money on returns, not credit policy, is under test: cash on delivery for any basket.
    policy = get_policy()
    update_policy(
        weights=policy.weights,
        thresholds=policy.thresholds,
        terms={**policy.terms, "D": {**policy.terms["D"], "cod_limit": "100000.00"}},
        actor=None,
    )
    products = [stocked_product(quantity=50, price=p) for p in prices]
    for members, fraction in bundle_specs:
        # One quantity per product (the last one drawn), as the bundle form allows.
        items = [(products[i], q) for i, q in dict(members).items() if i < len(products)]
        full = sum((p.price * q for p, q in items), Decimal(0))
        if len(items) < 2 or full < Decimal("0.02"):
            continue
        price = (full * Decimal(fraction) / 100).quantize(Decimal("0.01"))
        price = min(max(Decimal("0.01"), price), full - Decimal("0.01"))
        bundles.create_bundle(actor=None, name="Set", price=price, items=items)
    basket = [(p, q) for p, q in zip(products, quantities, strict=False)]
    return staff, user, customer, basket


def _return(order, wanted, staff, actor):
    rma = request_return(
        order=order, quantities=wanted, reason="Changed my mind", refund_to="wallet", actor=actor
    )
    decide_return(rma=rma, approve=True, actor=staff)
    receive_return(rma=rma, actor=staff)
    return refund_return(rma=rma, actor=staff)


prices = st.lists(
    st.integers(1, 20_000).map(lambda c: str(Decimal(c) / 100)), min_size=1, max_size=4
)
bundle_specs = st.lists(
    st.tuples(
        st.lists(st.tuples(st.integers(0, 3), st.integers(1, 2)), min_size=2, max_size=3),
        st.integers(1, 99),  # bundle price as a percentage of its items' full price
    ),
    max_size=2,
)


class ReturnMoneyProperties(TestCase):
    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(
        prices=prices,
        quantities=st.lists(st.integers(1, 4), min_size=4, max_size=4),
        specs=bundle_specs,
        method=st.sampled_from(["cod", "wallet", "card"]),
        data=st.data(),
    )
    def test_refunds_never_exceed_what_was_paid(self, prices, quantities, specs, method, data):
        staff, user, customer, basket = _shop(prices, quantities, specs)
        staff.is_staff = True
        staff.save(update_fields=["is_staff"])
        if method == "wallet":  # `buy` adds 1,000.00; the largest basket drawn costs more
            top_up_wallet(customer=customer, amount=Decimal("9000.00"), actor=None)
        order = deliver(buy(user, customer, basket, method=method), staff)
        goods = list(OrderLine.objects.filter(order=order, kind=LineKind.PRODUCT))
        discount = -sum(
            (x.line_total for x in order.lines.filter(kind=LineKind.DISCOUNT)), Decimal(0)
        )
        # The lines carry every discount, exactly.
        assert sum((g.net_total for g in goods), Decimal(0)) == order.subtotal - discount
        assert all(Decimal(0) <= g.net_total <= g.line_total for g in goods)

        left = {g.pk: g.quantity for g in goods}
        refunded_items = {g.pk: Decimal(0) for g in goods}
        refunded = Decimal(0)
        while any(left.values()):
            wanted = {}
            for g in goods:
                if left[g.pk]:
                    # At least one unit per return: the first line with units left gets ≥ 1.
                    low = 0 if wanted else 1
                    n = data.draw(st.integers(low, left[g.pk]), label=f"units of line {g.pk}")
                    if n:
                        wanted[g.pk] = n
            rma = _return(order, wanted, staff, user)
            assert rma.refund_amount >= 0
            for r in rma.lines.all():
                line = next(g for g in goods if g.pk == r.order_line_id)
                left[line.pk] -= r.quantity
                back = line.quantity - left[line.pk]
                # What the line's units brought back so far: their net, to within half a cent
                # of the exact pro-rata value, and never more than the line's net.
                refunded_items[line.pk] = _items_refunded(order, line)
                assert abs(refunded_items[line.pk] - line.net_total * back / line.quantity) <= (
                    HALF_CENT
                )
                assert refunded_items[line.pk] <= line.net_total
            refunded += rma.refund_amount
            assert refunded <= order.total
        # Everything back: exactly what was paid, in the ledger too.
        assert refunded == order.total
        assert sum((r.amount for r in Refund.objects.filter(order=order)), Decimal(0)) == (
            order.total
        )


def _items_refunded(order, line):
    from rapport.aftersales.models import ReturnLine, ReturnRequest, ReturnStatus
    from rapport.orders.netting import returned_share

    units = sum(
        r.quantity
        for r in ReturnLine.objects.filter(order_line=line, request__status=ReturnStatus.REFUNDED)
    )
    assert ReturnRequest.objects.filter(order=order).exists()
    return returned_share(line.net_total, line.quantity, 0, units)


@pytest.mark.django_db
def test_returning_one_item_of_a_bundle_refunds_its_share_of_the_bundle_price(people):
    """The finding: paid 9.84 for a bundle, returned one item, got its full price back."""
    user = people["customer"]
    customer = reachable(Customer.objects.get(user=user))
    a, b = stocked_product(price="7.00"), stocked_product(price="5.00")
    bundles.create_bundle(actor=None, name="Pair", price=Decimal("9.84"), items=[(a, 1), (b, 1)])
    order = deliver(buy(user, customer, [(a, 1), (b, 1)]), people["employee"])
    la = order.lines.get(product=a)
    lb = order.lines.get(product=b)
    # 2.16 off, allocated 7:5 → 1.26 and 0.90; the lines sum to the bundle price.
    assert (la.discount, la.net_total) == (Decimal("1.26"), Decimal("5.74"))
    assert (lb.discount, lb.net_total) == (Decimal("0.90"), Decimal("4.10"))
    rma = _return(order, {la.pk: 1}, people["employee"], user)
    assert rma.items_total == Decimal("5.74")  # was 7.00 before lines carried their discount
    second = _return(order, {lb.pk: 1}, people["employee"], user)
    assert rma.refund_amount + second.refund_amount == order.total


@pytest.mark.django_db
def test_a_partial_return_reads_partly_refunded_with_the_amount(people, client):
    """The order page, the order list and the mail say "Partly refunded: £8.63 of £14.79"."""
    from rapport.messaging.models import Message

    user = people["customer"]
    customer = reachable(Customer.objects.get(user=user))
    a, b = stocked_product(price="7.00"), stocked_product(price="5.00")
    bundles.create_bundle(actor=None, name="Pair", price=Decimal("9.84"), items=[(a, 1), (b, 1)])
    order = deliver(buy(user, customer, [(a, 1), (b, 1)]), people["employee"])
    first = _return(order, {order.lines.get(product=a).pk: 1}, people["employee"], user)
    client.force_login(user)

    page = client.get(f"/account/orders/{order.public_id}/").content.decode()
    mail = Message.objects.filter(customer=customer, template="order_step").latest("id")

    assert first.refund_amount == Decimal("8.63")  # the item's 5.74 and its shipping share
    partly = f"Partly refunded: £8.63 of £{order.total}"
    assert partly in page
    assert partly in mail.body_text and "Refunded or no longer due: £8.63" in mail.body_text
    listing = client.get("/account/orders/").content.decode()
    assert partly in listing

    _return(order, {order.lines.get(product=b).pk: 1}, people["employee"], user)
    page = client.get(f"/account/orders/{order.public_id}/").content.decode()
    assert "Partly refunded" not in page and "Refunded" in page
