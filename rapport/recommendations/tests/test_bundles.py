"""Bundle prices: exact Decimal arithmetic in the cart and in what `place_order` charges."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from rapport.accounts.models import User
from rapport.cart.queries import cart_view
from rapport.checkout.services import place_order
from rapport.checkout.shipping import get_method
from rapport.checkout.tests.factories import address_for, cart_with, stock_of, stocked_product
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.customers.models import Customer
from rapport.orders.models import LineKind, Order
from rapport.payments.models import Payment
from rapport.recommendations import services
from rapport.recommendations.bundles import bundle_discounts
from rapport.recommendations.models import Bundle, BundleStatus


def make_bundle(price, *items, status=BundleStatus.ACTIVE):
    bundle = services.create_bundle(
        actor=None, name="Set", price=Decimal(price), items=[(p, q) for p, q in items]
    )
    if status != BundleStatus.ACTIVE:
        Bundle.objects.filter(pk=bundle.pk).update(status=status)
    return bundle


def lines(*items):
    return [(p.pk, p.price, q) for p, q in items]


@pytest.mark.django_db
class TestArithmetic:
    def test_one_complete_set(self):
        a, b = stocked_product(price="10.99"), stocked_product(price="5.01")
        make_bundle("13.50", (a, 1), (b, 1))
        [d] = bundle_discounts(lines((a, 1), (b, 1)))
        assert (d.sets, d.amount) == (1, Decimal("2.50"))
        assert isinstance(d.amount, Decimal)

    def test_multiple_and_partial_sets(self):
        a, b = stocked_product(price="3.33"), stocked_product(price="1.10")
        # Two of a with one b per set.
        make_bundle("7.00", (a, 2), (b, 1))
        # 5 a and 3 b: two complete sets (4 a + 2 b), the rest at full price.
        [d] = bundle_discounts(lines((a, 5), (b, 3)))
        assert d.sets == 2
        assert d.amount == (Decimal("3.33") * 2 + Decimal("1.10") - Decimal("7.00")) * 2
        assert d.amount == Decimal("1.52")
        # One a: no complete set.
        assert bundle_discounts(lines((a, 1), (b, 3))) == []
        # Missing item: nothing.
        assert bundle_discounts(lines((a, 4))) == []

    def test_overlapping_bundles_use_each_unit_once_best_first(self):
        a, b = stocked_product(price="10.00"), stocked_product(price="10.00")
        c = stocked_product(price="15.00")
        small = make_bundle("18.00", (a, 1), (b, 1))  # saves 2
        big = make_bundle("20.00", (a, 1), (c, 1))  # saves 5
        found = bundle_discounts(lines((a, 1), (b, 1), (c, 1)))
        assert [(d.bundle_id, d.sets, d.amount) for d in found] == [(big.pk, 1, Decimal("5.00"))]
        found = bundle_discounts(lines((a, 2), (b, 1), (c, 1)))
        assert [(d.bundle_id, d.amount) for d in found] == [
            (big.pk, Decimal("5.00")),
            (small.pk, Decimal("2.00")),
        ]

    def test_inactive_bundles_and_price_rises_never_surcharge(self):
        a, b = stocked_product(price="10.00"), stocked_product(price="10.00")
        make_bundle("15.00", (a, 1), (b, 1), status=BundleStatus.SUGGESTED)
        assert bundle_discounts(lines((a, 1), (b, 1))) == []
        live = make_bundle("19.00", (a, 1), (b, 1))
        a.price = Decimal("4.00")  # the items now cost less than the bundle
        a.save()
        assert bundle_discounts(lines((a, 1), (b, 1))) == []
        assert Bundle.objects.get(pk=live.pk).status == BundleStatus.ACTIVE

    def test_bad_bundles_are_refused_and_nothing_is_written(self):
        a, b = stocked_product(price="10.00"), stocked_product(price="10.00")
        for price, items in [
            ("20.00", [(a, 1), (b, 1)]),  # not below the total
            ("0", [(a, 1), (b, 1)]),
            ("9.999", [(a, 1), (b, 1)]),
            ("5.00", [(a, 1)]),
            ("5.00", [(a, 1), (a, 1)]),
        ]:
            with pytest.raises(services.RecommendationError):
                services.create_bundle(actor=None, name="X", price=Decimal(price), items=items)
        assert Bundle.objects.count() == 0


@pytest.mark.django_db
def test_cart_view_and_page_show_the_discount(client):
    a, b = stocked_product(price="12.00"), stocked_product(price="8.00")
    make_bundle("15.00", (a, 1), (b, 1))
    client.post(reverse("storefront:cart_add"), {"product": a.public_id, "quantity": 2})
    client.post(reverse("storefront:cart_add"), {"product": b.public_id, "quantity": 1})
    from rapport.cart.models import Cart

    view = cart_view(Cart.objects.get())
    assert view.subtotal == Decimal("32.00")
    assert view.discount_total == Decimal("5.00")
    assert view.total == Decimal("27.00")
    body = client.get(reverse("storefront:cart")).content.decode()
    assert 'class="discount-amount">\u2212£5.00<' in body  # minus sign
    assert 'class="cart-total">£27.00<' in body


@pytest.mark.django_db
def test_place_order_charges_the_bundle_price(people):
    user = people["customer"]
    customer = Customer.objects.get(user=user)
    a, b = stocked_product(price="12.00"), stocked_product(price="8.00")
    bundle = make_bundle("15.00", (a, 1), (b, 1))
    order = place_order(
        cart=cart_with(user, (a, 2), (b, 1)),
        customer=customer,
        address=address_for(customer),
        shipping_method="standard",
        payment_method="cod",
        idempotency_key="bundle-1",
        actor=user,
    )
    shipping = get_method("standard").cost_for(Decimal("27.00"))
    assert order.subtotal == Decimal("32.00")
    assert order.total == Decimal("27.00") + shipping
    [line] = order.lines.filter(kind=LineKind.DISCOUNT)
    assert (line.sku, line.line_total) == (f"BUNDLE-{bundle.pk}", Decimal("-5.00"))
    assert sum(x.line_total for x in order.lines.all()) == order.total
    assert Payment.objects.get(order=order).amount == order.total


@pytest.mark.django_db
def test_place_order_without_bundles_is_unchanged(people):
    user = people["customer"]
    customer = Customer.objects.get(user=user)
    a = stocked_product(price="12.00")
    order = place_order(
        cart=cart_with(user, (a, 1)),
        customer=customer,
        address=address_for(customer),
        shipping_method="standard",
        payment_method="cod",
        idempotency_key="plain-1",
        actor=user,
    )
    assert order.total == Decimal("12.00") + get_method("standard").cost_for(Decimal("12.00"))
    assert not order.lines.filter(kind=LineKind.DISCOUNT).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_bundle_checkouts_charge_each_once():
    skip_unless_postgres()
    a, b = stocked_product(price="12.00", quantity=3), stocked_product(price="8.00", quantity=3)
    make_bundle("15.00", (a, 1), (b, 1))
    buyers = []
    for i in range(5):
        user = User.objects.create_user(email=f"b{i}@example.com", password="x" * 20)
        customer = Customer.objects.create(user=user, email=user.email)
        buyers.append((user, customer, address_for(customer), cart_with(user, (a, 1), (b, 1))))

    def work(i):
        user, customer, address, cart = buyers[i]
        return place_order(
            cart=cart,
            customer=customer,
            address=address,
            shipping_method="standard",
            payment_method="cod",
            idempotency_key=f"k{i}",
            actor=user,
        )

    results = run_concurrently(5, work)
    orders = [r for r in results if isinstance(r, Order)]
    assert len(orders) == 3  # three sets in stock
    assert {type(r).__name__ for r in results} == {"Order", "OutOfStock"}
    shipping = get_method("standard").cost_for(Decimal("15.00"))
    assert {o.total for o in orders} == {Decimal("15.00") + shipping}
    assert stock_of(a) == stock_of(b) == 0
    assert sorted(p.amount for p in Payment.objects.all()) == [Decimal("15.00") + shipping] * 3
