"""Concurrency on PostgreSQL: many buyers, separate connections, real row locks."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.core import mail

from rapport.accounts.models import User
from rapport.checkout.services import place_order
from rapport.checkout.tests.factories import address_for, cart_with, stock_of, stocked_product
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.customers.models import Customer
from rapport.inventory.models import StockMove
from rapport.inventory.services import OutOfStock
from rapport.messaging.models import Message, MessageStatus
from rapport.orders.models import Order
from rapport.payments.models import Payment, WalletAccount, WalletEntry
from rapport.payments.services import InsufficientFunds, debit_wallet, top_up_wallet

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    skip_unless_postgres()


def test_fifty_buyers_for_ten_units_make_exactly_ten_orders():
    product = stocked_product(quantity=10, price="20.00")
    buyers = []
    for i in range(50):
        user = User.objects.create_user(email=f"buyer{i}@example.com", password="x" * 20)
        customer = Customer.objects.create(user=user, email=user.email)
        if i % 2 == 0:
            top_up_wallet(customer=customer, amount=Decimal("30.00"), actor=None)
        buyers.append((user, customer, address_for(customer), cart_with(user, (product, 1))))

    def buy(i):
        user, customer, address, cart = buyers[i]
        return place_order(
            cart=cart,
            customer=customer,
            address=address,
            shipping_method="standard",
            payment_method="wallet" if i % 2 == 0 else "card",
            card_number="4242424242424242",
            idempotency_key=f"attempt-{i}",
            actor=user,
        )

    results = run_concurrently(50, buy)

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"Order": 10, "OutOfStock": 40}
    assert all("left" in str(r) for r in results if isinstance(r, OutOfStock))
    assert stock_of(product) == 0
    assert Order.objects.count() == 10
    assert StockMove.objects.count() == 10
    assert Payment.objects.count() == 10
    assert Payment.objects.filter(order__isnull=True).count() == 0
    assert not WalletAccount.objects.filter(balance__lt=0).exists()
    # Every wallet debit belongs to a placed order; refused wallet buyers kept their 30.00.
    debits = WalletEntry.objects.filter(kind="debit")
    assert debits.filter(order__isnull=True).count() == 0
    wallet_orders = Order.objects.filter(payment_method="wallet").count()
    assert debits.count() == wallet_orders
    assert WalletAccount.objects.filter(balance=Decimal("30.00")).count() == 25 - wallet_orders
    # One confirmation per placed order, queued with it; none for the 40 refused buyers.
    confirmations = Message.objects.filter(template="order_confirmation")
    assert sorted(confirmations.values_list("customer_id", flat=True)) == sorted(
        Order.objects.values_list("customer_id", flat=True)
    )
    assert set(confirmations.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        Order.objects.values_list("email", flat=True)
    )


def test_same_checkout_submitted_from_many_tabs_makes_one_order():
    product = stocked_product(quantity=10)
    user = User.objects.create_user(email="tabs@example.com", password="x" * 20)
    customer = Customer.objects.create(user=user, email=user.email)
    address = address_for(customer)
    cart = cart_with(user, (product, 2))

    results = run_concurrently(
        8,
        lambda i: place_order(
            cart=cart,
            customer=customer,
            address=address,
            shipping_method="standard",
            payment_method="cod",
            idempotency_key="one-attempt",
            actor=user,
        ),
    )

    assert {type(r).__name__ for r in results} == {"Order"}
    assert len({r.pk for r in results}) == 1
    assert Order.objects.count() == 1
    assert stock_of(product) == 8
    assert Message.objects.filter(template="order_confirmation").count() == 1
    assert len(mail.outbox) == 1


def test_concurrent_wallet_debits_cannot_overdraw():
    user = User.objects.create_user(email="wallet@example.com", password="x" * 20)
    customer = Customer.objects.create(user=user, email=user.email)
    top_up_wallet(customer=customer, amount=Decimal("100.00"), actor=None)

    results = run_concurrently(
        30,
        lambda i: debit_wallet(customer=customer, amount=Decimal("10.00"), order=None, actor=None),
    )

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"WalletEntry": 10, "InsufficientFunds": 20}
    assert all(isinstance(r, InsufficientFunds) for r in results if not isinstance(r, WalletEntry))
    account = WalletAccount.objects.get(customer=customer)
    assert account.balance == Decimal("0.00")
    assert sum(WalletEntry.objects.filter(account=account).values_list("amount", flat=True)) == 0
