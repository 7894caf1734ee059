"""Points under concurrent checkouts, deliveries and refunds (PostgreSQL row locks)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum

from rapport.accounts.models import User
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.customers.models import Customer
from rapport.loyalty.models import PointsAccount, PointsEntry
from rapport.loyalty.models import PointsEntryKind as K
from rapport.loyalty.services import credit_order_points, reserve_points, spend_points
from rapport.loyalty.tests.factories import order_worth, with_points
from rapport.orders.models import Order
from rapport.orders.refunds import refund_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    skip_unless_postgres()


@pytest.fixture
def customer():
    user = User.objects.create_user(email="loyal@example.com", password="x" * 20)
    return Customer.objects.create(user=user, email=user.email)


def consistent(customer) -> int:
    """The cached balance equals the ledger's sum and every entry's balance_after chains."""
    account = PointsAccount.objects.get(customer=customer)
    entries = list(PointsEntry.objects.filter(account=account).order_by("id"))
    running = 0
    for entry in entries:
        running += entry.points
        assert entry.balance_after == running >= 0
    assert (
        account.balance
        == running
        == (PointsEntry.objects.filter(account=account).aggregate(s=Sum("points"))["s"] or 0)
    )
    return account.balance


def test_two_checkouts_never_spend_the_same_points_twice(customer):
    with_points(customer, 500)
    orders = [order_worth(customer, "100.00") for _ in range(8)]

    def spend(i):
        with transaction.atomic():
            discount = reserve_points(customer=customer, points=300, goods=Decimal("100.00"))
            assert discount is not None
            return spend_points(customer=customer, order=orders[i], discount=discount, actor=None)

    results = run_concurrently(8, spend)

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"PointsEntry": 1, "PointsError": 7}
    assert consistent(customer) == 200


def test_earning_spending_and_refunds_at_once_keep_the_ledger_exact(customer):
    refunded = order_worth(customer, "100.00")
    refunded.payments.create(
        method="wallet", amount=Decimal("100.00"), currency="GBP", status="captured"
    )
    credit_order_points(order=refunded, actor=None)  # 100 points to take back on its refund
    delivered = [order_worth(customer, "40.00") for _ in range(3)]
    spending = [order_worth(customer, "200.00") for _ in range(3)]

    def work(i):
        if i < 3:
            return credit_order_points(order=delivered[i], actor=None)
        if i < 6:
            with transaction.atomic():
                discount = reserve_points(customer=customer, points=60, goods=Decimal("200.00"))
                assert discount is not None
                return spend_points(
                    customer=customer, order=spending[i - 3], discount=discount, actor=None
                )
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=refunded.pk)
            return refund_order(
                order=locked,
                amount=Decimal("100.00"),
                destination="wallet",
                reference="RMA-1",
                actor=None,
            )

    results = run_concurrently(7, work)

    assert not [
        r for r in results if isinstance(r, Exception) and type(r).__name__ != "PointsError"
    ]
    spent = PointsEntry.objects.filter(kind=K.REDEEMED).count()
    taken = -(PointsEntry.objects.filter(kind=K.EARN_REVERSED).aggregate(s=Sum("points"))["s"] or 0)
    assert PointsEntry.objects.filter(kind=K.EARNED).count() == 4  # each order earned once
    balance = consistent(customer)
    assert balance == 100 + 3 * 40 - 60 * spent - taken
    assert taken <= 100
