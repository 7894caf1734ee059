"""Ratings computed from the store's own data, with weights and thresholds a manager edits."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.core.models import AuditEntry
from rapport.credit import services
from rapport.credit.models import CreditPolicy, CreditRating
from rapport.credit.queries import reason_text
from rapport.customers.models import ContactKind, ContactPoint, ContactStatus
from rapport.customers.tests.factories import CustomerFactory
from rapport.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db


def orders(customer, n, status, *, days_ago=400, method="card"):
    for i in range(n):
        Order.objects.create(
            number=f"T-{customer.pk}-{status}-{i}",
            customer=customer,
            currency="GBP",
            subtotal=Decimal("50.00"),
            total=Decimal("50.00"),
            placed_at=timezone.now() - datetime.timedelta(days=days_ago),
            status=status,
            payment_method=method,
        )


def verified(customer, n):
    for i in range(n):
        ContactPoint.objects.create(
            customer=customer,
            kind=ContactKind.EMAIL,
            value=f"c{customer.pk}-{i}@example.com",
            status=ContactStatus.VALID,
        )


def test_grades_follow_the_store_data():
    loyal, newcomer, refuser = CustomerFactory(), CustomerFactory(), CustomerFactory()
    orders(loyal, 10, OrderStatus.DELIVERED)
    verified(loyal, 2)
    orders(refuser, 2, OrderStatus.CANCELLED, days_ago=5, method="cod")

    counts = services.refresh_ratings()

    grades = {c: CreditRating.objects.get(customer=c) for c in (loyal, newcomer, refuser)}
    # loyal: 15 punctuality (no history) + 15 + 10 + 15 tenure + 15 history + 10 contacts = 80
    assert (grades[loyal].grade, grades[loyal].score) == ("A", Decimal("80.0"))
    # newcomer: 15 + 15 + 10 = 40; refuser: cancelled cash-on-delivery orders cost 15, and
    # five days of tenure add 0.2
    assert (grades[newcomer].grade, grades[newcomer].score) == ("D", Decimal("40.0"))
    assert (grades[refuser].grade, grades[refuser].score) == ("E", Decimal("25.2"))
    assert counts == {"rated": 3, "created": 3, "changed": 2}  # newcomer stays at D
    # The weakest reasons come first, in words for staff.
    assert grades[refuser].reasons[0]["code"] in {"cancellations", "tenure", "history"}
    assert "of 1" in reason_text(grades[refuser].reasons[0])
    entry = AuditEntry.objects.get(customer=loyal, action="credit.rated")
    assert entry.data == {"before": "D", "after": "A", "score": "80.0"}


def test_a_second_refresh_changes_nothing_and_records_nothing():
    customer = CustomerFactory()
    orders(customer, 10, OrderStatus.DELIVERED)
    services.refresh_ratings()
    before = AuditEntry.objects.count()

    assert services.refresh_ratings() == {"rated": 1, "created": 0, "changed": 0}
    assert AuditEntry.objects.count() == before


def test_manager_weights_and_thresholds_change_the_grade():
    customer = CustomerFactory()
    orders(customer, 10, OrderStatus.DELIVERED)
    services.refresh_ratings()
    policy = services.get_policy()
    thresholds = {"A": 95, "B": 85, "C": 70, "D": 30}

    services.update_policy(
        weights=policy.weights, thresholds=thresholds, terms=policy.terms, actor=None
    )
    services.refresh_ratings()

    assert CreditRating.objects.get(customer=customer).grade == "C"  # score 70


def test_bad_policy_is_refused_and_nothing_changes():
    policy = services.get_policy()
    before = (policy.weights, policy.thresholds, policy.terms)

    with pytest.raises(services.CreditError):
        services.update_policy(
            weights=policy.weights,
            thresholds={"A": 10, "B": 65, "C": 50, "D": 30},
            terms=policy.terms,
            actor=None,
        )
    with pytest.raises(services.CreditError):
        services.update_policy(
            weights={**policy.weights, "tenure": "lots"},
            thresholds=policy.thresholds,
            terms=policy.terms,
            actor=None,
        )

    policy = CreditPolicy.objects.get(pk=1)
    assert (policy.weights, policy.thresholds, policy.terms) == before
