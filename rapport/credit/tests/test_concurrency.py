"""Credit-limit use under concurrent checkouts (PostgreSQL row locks)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from rapport.accounts.models import User
from rapport.core.testing import run_concurrently, skip_unless_postgres
from rapport.credit.models import Invoice
from rapport.credit.services import get_policy, issue_invoice, override_rating, update_policy
from rapport.customers.models import Customer
from rapport.orders.models import Order
from rapport.orders.numbers import new_order_number
from rapport.payments.models import Payment
from rapport.payments.services import CreditNotAllowed, credit_outstanding, record_payment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres():
    skip_unless_postgres()


def test_concurrent_credit_payments_never_exceed_the_limit():
    """Eight orders of one trade customer (placed from the shop, the portal, the offline
    client...) are paid on credit terms at the same moment: the credit-account lock lets
    exactly as many through as the limit holds, each with its invoice."""
    policy = get_policy()
    terms = {**policy.terms, "C": {"cod_limit": "0", "credit_days": 14, "credit_limit": "100"}}
    update_policy(weights=policy.weights, thresholds=policy.thresholds, terms=terms, actor=None)
    user = User.objects.create_user(email="trade@example.com", password="x" * 20)
    customer = Customer.objects.create(user=user, email=user.email)
    override_rating(customer=customer, grade="C", reason="trade account", actor=None)
    orders = [
        Order.objects.create(
            number=new_order_number(),
            customer=customer,
            currency="GBP",
            subtotal=Decimal("25.00"),
            shipping_total=Decimal("4.95"),
            total=Decimal("29.95"),
            placed_at=timezone.now(),
            payment_method="credit_terms",
        )
        for _ in range(8)
    ]

    def pay(i):
        with transaction.atomic():
            payment = record_payment(
                order=orders[i],
                customer=customer,
                method="credit_terms",
                amount=orders[i].total,
                actor=user,
            )
            return issue_invoice(order=orders[i], payment=payment, actor=user)

    results = run_concurrently(8, pay)

    # 3 x 29.95 = 89.85 fits under 100.00; a fourth would not.
    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"Invoice": 3, "CreditNotAllowed": 5}, results
    assert all("credit limit" in str(r) for r in results if isinstance(r, CreditNotAllowed))
    assert credit_outstanding(customer) == Decimal("89.85")
    assert Invoice.objects.filter(customer=customer).count() == 3
    assert Payment.objects.filter(order__customer=customer).count() == 3
