"""The set-based rating refresh (PostgreSQL) writes exactly what the ORM path writes: the same
ratings, credit accounts and audit/timeline entries, on a first refresh and on a later one
with overrides, an overdue invoice, regrades both ways and a policy change."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from rapport.core.models import AuditEntry
from rapport.credit import services, set_based
from rapport.credit.models import CreditRating, Invoice
from rapport.customers.models import ContactKind, ContactPoint, ContactStatus, Customer
from rapport.customers.tests.factories import CustomerFactory
from rapport.orders.models import Order, OrderStatus
from rapport.payments.models import CreditAccount, Payment, PaymentStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


class Rollback(Exception):
    pass


def orders(customer: Customer, n: int, status: str, *, days_ago: int = 400) -> list[Order]:
    return [
        Order.objects.create(
            number=f"P-{customer.pk}-{status}-{days_ago}-{i}",
            customer=customer,
            currency="GBP",
            subtotal=Decimal("50.00"),
            total=Decimal("50.00"),
            placed_at=timezone.now() - datetime.timedelta(days=days_ago),
            status=status,
            payment_method="cod" if status == OrderStatus.CANCELLED else "card",
        )
        for i in range(n)
    ]


def verified(customer: Customer, n: int) -> None:
    for i in range(n):
        ContactPoint.objects.create(
            customer=customer,
            kind=ContactKind.EMAIL,
            value=f"p{customer.pk}-{i}@example.com",
            status=ContactStatus.VALID,
        )


def invoice(customer: Customer, *, due_in_days: int) -> None:
    (order,) = orders(customer, 1, OrderStatus.DELIVERED, days_ago=20)
    payment = Payment.objects.create(
        order=order,
        method="credit_terms",
        amount=order.total,
        currency="GBP",
        status=PaymentStatus.PENDING,
    )
    Invoice.objects.create(
        number=f"INV-{order.number}",
        customer=customer,
        order=order,
        payment=payment,
        amount=order.total,
        currency="GBP",
        due_on=timezone.localdate() + datetime.timedelta(days=due_in_days),
    )


def snapshot() -> dict[str, Any]:
    """Every row the refresh writes, without ids and timestamps (those differ run to run)."""
    ratings = CreditRating.objects.order_by("customer_id").values_list(
        "customer_id",
        "computed_grade",
        "grade",
        "score",
        "reasons",
        "override_grade",
        "override_reason",
        "override_by_id",
    )
    accounts = CreditAccount.objects.order_by("customer_id").values_list(
        "customer_id", "allowed", "days", "limit"
    )
    entries = sorted(
        (
            (
                e.customer_id,
                e.action,
                e.actor_id,
                e.actor_label,
                e.ip_address,
                e.object_type,
                e.object_id,
                e.object_label,
                e.summary,
                json.dumps(e.data, sort_keys=True),
            )
            for e in AuditEntry.objects.filter(action="credit.rated")
        ),
        key=str,
    )
    return {"ratings": list(ratings), "accounts": list(accounts), "entries": entries}


def scenario(people: dict[str, Any], customers: dict[str, Customer]) -> list[Any]:
    """First refresh, then an override, new data and a policy change, then a second refresh;
    what each wrote, rolled back afterwards so the other path starts from the same rows."""
    manager = people["manager"]
    seen: list[Any] = []
    try:
        with transaction.atomic():
            seen.append(services.refresh_ratings(actor=manager))
            seen.append(snapshot())
            services.override_rating(
                customer=customers["override"], grade="B", reason="trade", actor=manager
            )
            services.override_rating(
                customer=customers["override_overdue"], grade="A", reason="big", actor=manager
            )
            invoice(customers["override_overdue"], due_in_days=-3)
            invoice(customers["loyal"], due_in_days=-1)
            Order.objects.filter(customer=customers["fair"]).update(status=OrderStatus.CANCELLED)
            orders(customers["newcomer"], 10, OrderStatus.DELIVERED, days_ago=380)
            verified(customers["newcomer"], 2)
            policy = services.get_policy()
            services.update_policy(
                weights={**policy.weights, "contacts": 12.5},
                thresholds=policy.thresholds,
                terms=policy.terms,
                actor=manager,
            )
            seen.append(services.refresh_ratings(actor=None))
            seen.append(snapshot())
            raise Rollback
    except Rollback:
        pass
    return seen


def test_set_based_refresh_writes_the_same_rows_as_the_orm(people, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the set-based path runs on PostgreSQL only")
    customers = {
        name: CustomerFactory()
        for name in (
            "loyal",
            "newcomer",
            "refuser",
            "fair",
            "override",
            "override_overdue",
            "had_terms",
            "had_terms_off",
            "quiet",
        )
    }
    orders(customers["loyal"], 10, OrderStatus.DELIVERED)
    verified(customers["loyal"], 2)
    orders(customers["refuser"], 2, OrderStatus.CANCELLED, days_ago=5)
    orders(customers["fair"], 6, OrderStatus.DELIVERED, days_ago=200)
    verified(customers["fair"], 1)
    orders(customers["override"], 3, OrderStatus.DELIVERED, days_ago=100)
    orders(customers["override_overdue"], 8, OrderStatus.DELIVERED, days_ago=500)
    verified(customers["override_overdue"], 2)
    orders(customers["had_terms"], 1, OrderStatus.RETURNED, days_ago=30)
    orders(customers["had_terms_off"], 9, OrderStatus.DELIVERED, days_ago=600)
    verified(customers["had_terms_off"], 2)
    invoice(customers["quiet"], due_in_days=10)
    # Accounts that exist before any rating: terms the grade will take away, and terms off
    # that the grade will turn on.
    CreditAccount.objects.create(
        customer=customers["had_terms"], allowed=True, days=90, limit=Decimal("9999.00")
    )
    CreditAccount.objects.create(
        customer=customers["had_terms_off"], allowed=False, days=30, limit=Decimal("0.00")
    )
    monkeypatch.setattr(services, "BATCH", 4)  # several batches, some mixed new and stored

    by_statements = scenario(people, customers)
    monkeypatch.setattr(set_based, "write_batch", services._write_batch_orm)
    by_orm = scenario(people, customers)

    assert by_statements == by_orm
    first, after_first, second, after_second = by_statements
    assert first["created"] == first["rated"] and second["created"] == 0
    assert (first["changed"], second["changed"]) == (5, 4)  # the quiet ones stay at D
    c = customers

    def grades(snap: dict[str, Any]) -> dict[int, tuple[str, str]]:
        return {pk: (computed, grade) for pk, computed, grade, *_rest in snap["ratings"]}

    def accounts(snap: dict[str, Any]) -> dict[int, tuple[bool, int]]:
        return {pk: (allowed, days) for pk, allowed, days, _limit in snap["accounts"]}

    first_grades, second_grades = grades(after_first), grades(after_second)
    assert [first_grades[c[n].pk][1] for n in ("loyal", "refuser", "fair", "had_terms")] == [
        "A",
        "E",
        "C",
        "D",
    ]
    assert second_grades[c["override"].pk] == ("D", "B")
    assert second_grades[c["override_overdue"].pk] == ("E", "E")  # overdue beats the override
    assert (second_grades[c["loyal"].pk], second_grades[c["newcomer"].pk]) == (
        ("E", "E"),
        ("A", "A"),
    )
    # Every kind of account write: created, turned off, turned on with the grade's terms,
    # moved to other terms.
    assert accounts(after_first) == {
        c["loyal"].pk: (True, 60),
        c["fair"].pk: (True, 14),
        c["override_overdue"].pk: (True, 30),
        c["had_terms"].pk: (False, 90),
        c["had_terms_off"].pk: (True, 30),
    }
    assert accounts(after_second) == {
        **accounts(after_first),
        c["loyal"].pk: (False, 60),
        c["newcomer"].pk: (True, 60),
        c["fair"].pk: (False, 14),
        c["override"].pk: (True, 30),
        c["override_overdue"].pk: (False, 60),
    }
    assert len(after_first["entries"]) == 5 and len(after_second["entries"]) == 9
    actors = sorted((e[2:4] for e in after_second["entries"]), key=str)
    assert actors == [(people["manager"].pk, "max@staff.example.com")] * 5 + [(None, "system")] * 4
