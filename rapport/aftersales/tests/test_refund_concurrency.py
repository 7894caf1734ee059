"""Two staff refunding the same return at the same moment: money goes back once (PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from rapport.accounts.models import User
from rapport.aftersales.errors import AftersalesError
from rapport.aftersales.returns import decide_return, receive_return, refund_return, request_return
from rapport.aftersales.tests.factories import buy, deliver
from rapport.checkout.tests.factories import stocked_product
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.customers.models import Customer
from rapport.orders.models import Refund
from rapport.payments.models import WalletAccount, WalletEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    skip_unless_postgres()


@pytest.mark.parametrize("method", ["wallet", "card"])
def test_concurrent_refunds_of_one_return_refund_once(method):
    user = User.objects.create_user(email="ann@example.com", password="x" * 20)
    staff = User.objects.create_user(
        email="emma@staff.example.com", password="x" * 20, is_staff=True
    )
    staff.groups.add(Group.objects.get_or_create(name="Employee")[0])
    ann = Customer.objects.create(user=user, email=user.email, name="Ann")
    product = stocked_product(quantity=10, price="10.00")
    order = deliver(buy(user, ann, [(product, 2)], method=method), staff)
    line = order.lines.get(kind="product")
    rma = request_return(
        order=order, quantities={line.pk: 2}, reason="x", refund_to="wallet", actor=user
    )
    decide_return(rma=rma, approve=True, actor=staff)
    receive_return(rma=rma, actor=staff)

    results = run_concurrently(6, lambda i: refund_return(rma=rma, actor=staff))

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"ReturnRequest": 1, "AftersalesError": 5}
    assert all(
        isinstance(r, AftersalesError) for r in results if type(r).__name__ != "ReturnRequest"
    )
    assert [r.amount for r in Refund.objects.filter(order=order)] == [Decimal("24.95")]
    refunds = WalletEntry.objects.filter(order=order, kind="refund")
    assert [e.amount for e in refunds] == [Decimal("24.95")]
    expected = Decimal("1000.00") if method == "wallet" else Decimal("24.95")
    assert WalletAccount.objects.get(customer=ann).balance == expected
