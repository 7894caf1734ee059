"""Points under concurrent checkouts, deliveries and refunds (PostgreSQL row locks)."""

from __future__ import annotations

import datetime
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from rapport.accounts.models import User
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.customers.models import Customer
from rapport.loyalty.models import PointsAccount, PointsEntry
from rapport.loyalty.models import PointsEntryKind as K
from rapport.loyalty.services import (
    credit_order_points,
    expire_points,
    reserve_points,
    spend_points,
)
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


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        # Inside a transaction the activity view is a snapshot unless cleared before each read.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return bool(cursor.fetchone()[0])


def test_expiry_waiting_on_a_checkout_sees_the_points_it_spent(customer):
    """A checkout holds the account while the nightly expiry arrives: the expiry waits, then
    reads the ledger as the checkout left it, so only what is left of the old lot expires."""
    old = with_points(customer, 300)
    PointsEntry.objects.filter(order=old).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    with_points(customer, 100)  # still valid
    order = order_worth(customer, "100.00")
    locked, done = threading.Event(), threading.Event()

    def work(i):
        if i == 0:
            with transaction.atomic():
                discount = reserve_points(customer=customer, points=250, goods=Decimal("600.00"))
                assert discount is not None
                locked.set()
                # Spend only once the expiry is queued on our lock (or, if it did not wait, has
                # finished: then the assertions below fail).
                while not _someone_waits_for_a_lock() and not done.is_set():
                    pass
                return spend_points(customer=customer, order=order, discount=discount, actor=None)
        assert locked.wait(60)
        try:
            return expire_points()
        finally:
            done.set()

    spent, expired = run_concurrently(2, work)

    assert isinstance(spent, PointsEntry), spent
    # 250 of the old lot were spent first (oldest first), so 50 of it expire, not 300.
    assert expired == 50
    assert consistent(customer) == 100
    assert PointsEntry.objects.filter(kind=K.EXPIRED).count() == 1


def test_checkouts_and_expiry_at_once_keep_every_ledger_exact():
    past = timezone.localdate() - datetime.timedelta(days=1)
    customers = [Customer.objects.create(email=f"many{i}@example.com") for i in range(6)]
    orders = []
    for customer in customers:
        lot = with_points(customer, 200)
        PointsEntry.objects.filter(order=lot).update(expires_on=past)
        with_points(customer, 50)
        orders.append(order_worth(customer, "100.00"))

    def work(i):
        if i == len(customers):
            return expire_points(batch_size=2)
        with transaction.atomic():
            discount = reserve_points(customer=customers[i], points=120, goods=Decimal("300.00"))
            assert discount is not None
            return spend_points(
                customer=customers[i], order=orders[i], discount=discount, actor=None
            )

    results = run_concurrently(len(customers) + 1, work)

    assert not [
        r for r in results if isinstance(r, Exception) and type(r).__name__ != "PointsError"
    ]
    for customer in customers:
        # Spent first: 120 of the old lot, 80 expire; expired first: 200 expire, the spend
        # fails. Either way 50 valid points are left.
        assert consistent(customer) == 50
