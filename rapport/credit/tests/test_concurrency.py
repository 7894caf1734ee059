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


def test_a_rating_created_during_a_refresh_keeps_its_override():
    """A manager overrides an unrated customer's grade while the nightly refresh runs: the
    refresh read no rating for them, then meets the manager's new row at its write. It leaves
    that row as the manager made it (no grade computed without the override, no "unrated →"
    audit entry) and still rates everyone else in the batch."""
    import threading

    from django.db import connection, connections

    from rapport.core.models import AuditEntry
    from rapport.credit.models import CreditRating
    from rapport.credit.services import refresh_ratings
    from rapport.payments.models import CreditAccount

    get_policy()  # exists before either starts (its first creation would serialise them)
    manager = User.objects.create_user(email="boss@example.com", password="x" * 20)
    vip, other = Customer.objects.create(name="VIP"), Customer.objects.create(name="Other")
    held, release, backend = threading.Event(), threading.Event(), {}
    outcome: dict[str, object] = {}

    def override_and_hold() -> None:
        try:
            with transaction.atomic():
                override_rating(customer=vip, grade="B", reason="key account", actor=manager)
                held.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    def refresh() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend["pid"] = cursor.fetchone()[0]
            outcome["counts"] = refresh_ratings()
        except Exception as exc:  # asserted below
            outcome["error"] = exc
        finally:
            connections.close_all()

    manager_thread = threading.Thread(target=override_and_hold)
    manager_thread.start()
    assert held.wait(timeout=60)
    refresh_thread = threading.Thread(target=refresh)
    refresh_thread.start()
    # Wait until the refresh is blocked on the manager's uncommitted rating row.
    waiting = False
    for _ in range(6000):
        if "pid" in backend:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [backend["pid"]]
                )
                row = cursor.fetchone()
            if row and row[0] == "Lock":
                waiting = True
                break
        if not refresh_thread.is_alive():
            break
        threading.Event().wait(0.01)
    release.set()
    manager_thread.join(timeout=60)
    refresh_thread.join(timeout=60)

    assert waiting, outcome
    assert outcome == {"counts": {"rated": 2, "created": 1, "changed": 0}}
    rating = CreditRating.objects.get(customer=vip)
    assert (rating.override_grade, rating.grade, rating.computed_grade) == ("B", "B", "D")
    assert CreditRating.objects.get(customer=other).grade == "D"
    entries = AuditEntry.objects.filter(customer=vip, action="credit.rated")
    assert [e.actor_id for e in entries] == []  # the override's own refresh kept D: no change
    assert AuditEntry.objects.filter(customer=vip, action="credit.overridden").count() == 1
    assert CreditAccount.objects.get(customer=vip).allowed is True  # B's terms, kept
