"""Accepting a quote under concurrency (PostgreSQL): exactly one order, never an oversell."""

from __future__ import annotations

from collections import Counter

import pytest

from rapport.accounts.models import User
from rapport.checkout.tests.factories import stock_of, stocked_product
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.customers.models import Customer
from rapport.inventory.models import StockMove
from rapport.inventory.services import OutOfStock
from rapport.orders.models import Order
from rapport.payments.models import Payment
from rapport.quotes import services
from rapport.quotes.lines import QuoteError
from rapport.quotes.models import Quote, QuoteStatus, QuoteVersion
from rapport.quotes.tests.factories import customer_of, delivery, in_days, line, sent_quote

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    skip_unless_postgres()


def test_two_concurrent_accepts_make_exactly_one_order(people):
    ann = customer_of(people["customer"])
    chair = stocked_product(quantity=20, price="100.00")
    quote = sent_quote(people["employee"], ann, line(chair, 5, "80.00"))

    results = run_concurrently(
        4,
        lambda i: services.accept_quote(
            quote=quote, actor=people["customer"], answering=1, delivery=delivery(ann)
        ),
    )

    orders = {r.pk for r in results if isinstance(r, Order)}
    assert len(orders) == 1, results
    assert Order.objects.count() == 1 and Payment.objects.count() == 1
    assert stock_of(chair) == 15 and StockMove.objects.count() == 1
    final = Quote.objects.get(pk=quote.pk)
    assert final.status == QuoteStatus.ACCEPTED and final.order_id in orders


def test_accept_against_counter_lets_exactly_one_win(people):
    ann = customer_of(people["customer"])
    chair = stocked_product(quantity=20, price="100.00")
    quote = sent_quote(people["employee"], ann, line(chair, 5, "80.00"))

    def act(i):
        if i == 0:
            return services.accept_quote(
                quote=quote, actor=people["customer"], answering=1, delivery=delivery(ann)
            )
        return services.counter_quote(
            quote=quote,
            actor=people["customer"],
            answering=1,
            lines=[line(chair, 5, "70.00")],
            valid_until=in_days(3),
        )

    accepted, countered = run_concurrently(2, act)

    final = Quote.objects.get(pk=quote.pk)
    if isinstance(accepted, Order):
        assert isinstance(countered, QuoteError)
        assert final.status == QuoteStatus.ACCEPTED and QuoteVersion.objects.count() == 1
        assert stock_of(chair) == 15
    else:
        assert isinstance(accepted, QuoteError) and "newer version" in str(accepted)
        assert isinstance(countered, QuoteVersion)
        assert final.status == QuoteStatus.COUNTERED and Order.objects.count() == 0
        assert stock_of(chair) == 20


def test_concurrent_accepts_of_different_quotes_never_oversell(people):
    scarce = stocked_product(quantity=10, price="50.00")
    quotes = []
    for i in range(6):
        user = User.objects.create_user(email=f"vip{i}@example.com", password="x" * 20)
        Customer.objects.create(user=user, email=user.email, name=f"VIP {i}")
        customer = customer_of(user)
        quotes.append(
            (user, customer, sent_quote(people["employee"], customer, line(scarce, 4, "45.00")))
        )

    def accept(i):
        user, customer, quote = quotes[i]
        return services.accept_quote(
            quote=quote, actor=user, answering=1, delivery=delivery(customer)
        )

    results = run_concurrently(6, accept)

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"Order": 2, "OutOfStock": 4}, results
    assert all(isinstance(r, (Order, OutOfStock)) for r in results)
    assert stock_of(scarce) == 2
    assert Quote.objects.filter(status=QuoteStatus.ACCEPTED).count() == 2
    assert Quote.objects.filter(status=QuoteStatus.SENT).count() == 4
