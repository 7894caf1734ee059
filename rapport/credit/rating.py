"""How a customer's credit score and grade are computed from the store's own data.

Each component is a number from 0 (worst) to 1 (best); the score is their weighted mean times 100
(weights from `CreditPolicy`), and the grade is the best one whose threshold the score reaches.
An overdue invoice makes the grade E whatever the score: what is owed and late comes first.

Inputs are read in a handful of grouped queries for any number of customers at once
(`gather`), so refreshing every customer is a few scans, not queries per customer.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Min, Q, Sum
from django.utils import timezone

from rapport.credit.models import COMPONENTS, GRADE_ORDER, CreditPolicy, Invoice
from rapport.customers.models import ContactPoint, ContactStatus, Customer
from rapport.customervalue.models import CustomerValue
from rapport.orders.models import Order, OrderKind, OrderStatus
from rapport.payments.models import PaymentMethod, PaymentStatus

RETURNED = (OrderStatus.RETURN_REQUESTED, OrderStatus.RETURNED, OrderStatus.REFUNDED)
FULL_TENURE_DAYS = 365
FULL_HISTORY_ORDERS = 10
FULL_CONTACTS = 2
FULL_VALUE = Decimal("2000")


@dataclass
class Facts:
    """What the store knows about one customer's reliability."""

    created_at: datetime.datetime
    orders: int = 0
    delivered: int = 0
    cancelled: int = 0
    cod_cancelled: int = 0
    returned: int = 0
    first_order_at: datetime.datetime | None = None
    paid_on_time: int = 0
    paid_late: int = 0
    overdue_amount: Decimal = Decimal("0.00")
    overdue_invoices: int = 0
    verified_contacts: int = 0
    spend_last_year: Decimal = Decimal("0.00")
    predicted_value: Decimal | None = None


@dataclass
class Result:
    score: Decimal
    grade: str
    reasons: list[dict[str, Any]] = field(default_factory=list)


def gather(customer_ids: Iterable[int] | None = None) -> dict[int, Facts]:
    """Facts for the given customers (every active customer when None)."""
    customers = Customer.objects.active()
    if customer_ids is not None:
        customers = customers.filter(pk__in=list(customer_ids))
    facts = {pk: Facts(created_at=at) for pk, at in customers.values_list("pk", "created_at")}
    if not facts:
        return facts
    ids = list(facts) if customer_ids is not None else None

    def scoped(qs: Any, field_name: str = "customer_id") -> Any:
        return qs.filter(**{f"{field_name}__in": ids}) if ids is not None else qs

    now = timezone.now()
    orders = (
        scoped(Order.objects.filter(kind=OrderKind.ORDER, customer__isnull=False))
        .values("customer_id")
        .annotate(
            n=Count("id"),
            delivered=Count("id", filter=Q(status=OrderStatus.DELIVERED)),
            cancelled=Count("id", filter=Q(status=OrderStatus.CANCELLED)),
            cod_cancelled=Count(
                "id",
                filter=Q(
                    status=OrderStatus.CANCELLED, payment_method=PaymentMethod.CASH_ON_DELIVERY
                ),
            ),
            returned=Count("id", filter=Q(status__in=RETURNED)),
            first=Min("placed_at"),
            spend=Sum(
                "total",
                filter=Q(placed_at__gte=now - datetime.timedelta(days=365))
                & ~Q(status=OrderStatus.CANCELLED),
            ),
        )
    )
    for row in orders:
        f = facts.get(row["customer_id"])
        if f is None:
            continue
        f.orders, f.delivered, f.cancelled = row["n"], row["delivered"], row["cancelled"]
        f.cod_cancelled, f.returned, f.first_order_at = (
            row["cod_cancelled"],
            row["returned"],
            row["first"],
        )
        f.spend_last_year = row["spend"] or Decimal("0.00")
    today = timezone.localdate()
    invoices = (
        scoped(Invoice.objects.all())
        .values("customer_id")
        .annotate(
            on_time=Count("id", filter=Q(paid_at__isnull=False, paid_at__date__lte=F("due_on"))),
            late=Count("id", filter=Q(paid_at__isnull=False) & ~Q(paid_at__date__lte=F("due_on"))),
            overdue_n=Count("id", filter=overdue_q(today)),
            overdue=Sum("payment__amount", filter=overdue_q(today)),
        )
    )
    for row in invoices:
        f = facts.get(row["customer_id"])
        if f is None:
            continue
        f.paid_on_time, f.paid_late = row["on_time"], row["late"]
        f.overdue_invoices = row["overdue_n"]
        f.overdue_amount = row["overdue"] or Decimal("0.00")
    contacts = (
        scoped(ContactPoint.objects.filter(status=ContactStatus.VALID))
        .values("customer_id")
        .annotate(n=Count("id"))
    )
    for row in contacts:
        if row["customer_id"] in facts:
            facts[row["customer_id"]].verified_contacts = row["n"]
    values = scoped(CustomerValue.objects.filter(computed_at__isnull=False)).values_list(
        "customer_id", "predicted_12m"
    )
    for pk, predicted in values:
        if pk in facts:
            facts[pk].predicted_value = predicted
    return facts


def overdue_q(today: datetime.date) -> Q:
    """Invoices still owed (payment pending) whose due date has passed."""
    return Q(paid_at__isnull=True, payment__status=PaymentStatus.PENDING, due_on__lt=today)


def components(facts: Facts, now: datetime.datetime) -> dict[str, float]:
    """Each component from 0 (worst) to 1 (best)."""
    settled = facts.paid_on_time + facts.paid_late
    # No credit history yet: neither good nor bad.
    punctuality = facts.paid_on_time / settled if settled else 0.5
    if facts.overdue_invoices:
        punctuality = 0.0
    cancel_rate = (facts.cancelled + facts.cod_cancelled) / facts.orders if facts.orders else 0.0
    return_rate = facts.returned / facts.orders if facts.orders else 0.0
    since = facts.first_order_at or facts.created_at
    tenure_days = max((now - since).days, 0)
    value = facts.predicted_value if facts.predicted_value is not None else facts.spend_last_year
    return {
        "punctuality": punctuality,
        "cancellations": max(0.0, 1 - 2 * cancel_rate),
        "returns": max(0.0, 1 - 2 * return_rate),
        "tenure": min(1.0, tenure_days / FULL_TENURE_DAYS),
        "history": min(1.0, facts.delivered / FULL_HISTORY_ORDERS),
        "contacts": min(1.0, facts.verified_contacts / FULL_CONTACTS),
        "value": float(min(Decimal(1), max(Decimal(0), value) / FULL_VALUE)),
    }


def grade_for(score: float, thresholds: dict[str, float]) -> str:
    for grade in GRADE_ORDER[:-1]:
        if score >= float(thresholds.get(grade, 101)):
            return grade
    return GRADE_ORDER[-1]


def rate(facts: Facts, policy: CreditPolicy, now: datetime.datetime) -> Result:
    """Score, grade and reasons (codes with numbers; `queries.reason_text` words them)."""
    parts = components(facts, now)
    weights = {name: max(0.0, float(policy.weights.get(name, 0))) for name in COMPONENTS}
    total = sum(weights.values()) or 1.0
    score = 100 * sum(parts[n] * weights[n] for n in COMPONENTS) / total
    grade = grade_for(score, policy.thresholds)
    reasons: list[dict[str, Any]] = [
        {"code": name, "value": round(parts[name], 2), "weight": weights[name]}
        for name in COMPONENTS
        if weights[name]
    ]
    reasons.sort(key=lambda r: r["value"] * r["weight"])
    if facts.overdue_invoices:
        grade = "E"
        reasons.insert(
            0,
            {
                "code": "overdue",
                "amount": str(facts.overdue_amount),
                "count": facts.overdue_invoices,
            },
        )
    return Result(score=Decimal(str(round(score, 1))), grade=grade, reasons=reasons)
