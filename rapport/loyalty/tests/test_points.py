"""Loyalty points: earned on delivery, spent at checkout through orders.netting, reversed on
refunds, expired; the balance always equals the sum of the ledger."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from rapport.checkout.services import PointsError, place_order
from rapport.checkout.tests.factories import address_for, cart_with, stocked_product
from rapport.core.models import AuditEntry
from rapport.customers.models import Customer
from rapport.customervalue.models import CustomerValue
from rapport.loyalty.models import PointsAccount, PointsEntry
from rapport.loyalty.models import PointsEntryKind as K
from rapport.loyalty.queries import balance_of
from rapport.loyalty.services import credit_order_points, expire_points
from rapport.loyalty.tests.factories import order_worth, with_points
from rapport.orders.lifecycle import advance_order
from rapport.orders.models import LineKind, Order, OrderStatus
from rapport.orders.refunds import refund_order

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def ann(people):
    return Customer.objects.get(user=people["customer"])


def ledger_sum(customer):
    return PointsEntry.objects.filter(account__customer=customer).aggregate(s=Sum("points"))["s"]


def checkout(people, ann, points, key="p-1", cart=None):
    cart = cart or cart_with(
        people["customer"], (stocked_product(price="12.50"), 2), (stocked_product(price="5.00"), 3)
    )
    return place_order(
        cart=cart,
        customer=ann,
        address=address_for(ann),
        shipping_method="standard",
        payment_method="cod",
        idempotency_key=key,
        actor=people["customer"],
        points=points,
    )


def test_a_delivered_order_earns_the_tiers_rate_on_its_net_lines_once(people, ann):
    CustomerValue.objects.create(customer=ann, tier="important")  # 2 points a pound
    order = checkout(people, ann, 0)
    staff = people["employee"]
    advance_order(order=order, to=OrderStatus.PAID, actor=staff)
    advance_order(order=order, to=OrderStatus.PACKED, actor=staff)
    assert balance_of(ann) == 0  # not before delivery
    advance_order(
        order=order, to=OrderStatus.SHIPPED, actor=staff, carrier="DPD", tracking_number="1"
    )
    advance_order(order=order, to=OrderStatus.DELIVERED, actor=staff)

    assert balance_of(ann) == 80  # 2 x 40.00 of goods, shipping earns nothing
    assert credit_order_points(order=order, actor=staff) is None  # once per order
    assert balance_of(ann) == ledger_sum(ann) == 80
    assert AuditEntry.objects.filter(action="loyalty.earned", customer=ann).count() == 1


def test_points_pay_part_of_an_order_through_the_netting(people, ann):
    with_points(ann, 700)
    order = checkout(people, ann, 500)

    assert order.subtotal == D("40.00") and order.total == D("35.00") + D("4.95")
    discount = order.lines.get(kind=LineKind.DISCOUNT)
    assert (discount.sku, discount.line_total) == ("points", D("-5.00"))
    products = list(order.lines.filter(kind=LineKind.PRODUCT).order_by("position"))
    assert [line.discount for line in products] == [D("3.13"), D("1.87")]  # 25 : 15
    assert sum(line.net_total for line in products) == D("35.00")
    assert balance_of(ann) == ledger_sum(ann) == 200
    entry = PointsEntry.objects.get(kind=K.REDEEMED)
    assert (entry.order_id, entry.points, entry.balance_after) == (order.pk, -500, 200)


@pytest.mark.parametrize(
    ("points", "message"), [(701, "You have 700 points"), (2001, "You have 700 points")]
)
def test_more_points_than_the_balance_write_nothing(people, ann, points, message):
    with_points(ann, 700)
    with pytest.raises(PointsError, match=message):
        checkout(people, ann, points)
    assert Order.objects.exclude(payment_method="cod", idempotency_key=None).count() == 0
    assert balance_of(ann) == 700


def test_points_pay_at_most_half_the_goods(people, ann):
    with_points(ann, 5000)
    cart = cart_with(people["customer"], (stocked_product(price="40.00"), 1))
    with pytest.raises(PointsError, match="at most 2000 points"):
        checkout(people, ann, 2001, cart=cart)
    assert balance_of(ann) == 5000 and not PointsEntry.objects.filter(kind=K.REDEEMED).exists()
    assert checkout(people, ann, 2000, key="p-2", cart=cart).total == D("20.00") + D("4.95")


def test_cancelling_gives_spent_points_back(people, ann):
    with_points(ann, 700)
    order = checkout(people, ann, 500)
    advance_order(order=order, to=OrderStatus.CANCELLED, actor=people["employee"])
    assert balance_of(ann) == ledger_sum(ann) == 700
    assert PointsEntry.objects.get(kind=K.REDEEM_RESTORED).points == 500


def test_refunds_take_back_earned_points_proportionally_and_exactly_in_total(people, ann):
    order = order_worth(ann, "60.00", "40.00")
    order.payments.create(method="wallet", amount=D("100.00"), currency="GBP", status="captured")
    credit_order_points(order=order, actor=None)
    assert balance_of(ann) == 100

    for amount, left in (("33.33", 67), ("33.33", 33), ("33.34", 0)):
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            refund_order(
                order=locked, amount=D(amount), destination="wallet", reference="RMA", actor=None
            )
        assert balance_of(ann) == ledger_sum(ann) == left


def test_taking_back_spent_earned_points_stops_at_zero(people, ann):
    order = order_worth(ann, "100.00")
    order.payments.create(method="wallet", amount=D("100.00"), currency="GBP", status="captured")
    credit_order_points(order=order, actor=None)
    checkout(people, ann, 80, key="spend")  # most of them already spent
    with transaction.atomic():
        refund_order(
            order=Order.objects.select_for_update().get(pk=order.pk),
            amount=D("100.00"),
            destination="wallet",
            reference="RMA",
            actor=None,
        )
    assert balance_of(ann) == ledger_sum(ann) == 0


def test_points_expire_oldest_first(ann):
    old = with_points(ann, 300)
    PointsEntry.objects.filter(order=old).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    with_points(ann, 200)
    # 100 spent: taken from the old lot, so 200 of it expire.
    account = PointsAccount.objects.get(customer=ann)
    from rapport.loyalty.services import _add

    _add(account, K.REDEEMED, -100, actor=None)

    assert expire_points() == 200
    assert expire_points() == 0  # nothing twice
    assert balance_of(ann) == ledger_sum(ann) == 200


def test_many_accounts_expire_in_batches(ann):
    past = timezone.localdate() - datetime.timedelta(days=1)
    customers = [ann] + [Customer.objects.create(email=f"c{i}@example.com") for i in range(4)]
    for i, customer in enumerate(customers):
        lot = with_points(customer, 100 + i)
        PointsEntry.objects.filter(order=lot).update(expires_on=past)
        with_points(customer, 10)  # not due yet

    assert expire_points(batch_size=2) == sum(100 + i for i in range(5))
    for customer in customers:
        assert balance_of(customer) == ledger_sum(customer) == 10
