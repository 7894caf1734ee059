"""Reads: a customer's points balance and history."""

from __future__ import annotations

from rapport.customers.models import Customer
from rapport.loyalty.models import PointsAccount, PointsEntry


def balance_of(customer: Customer) -> int:
    return (
        PointsAccount.objects.filter(customer=customer).values_list("balance", flat=True).first()
        or 0
    )


def history_of(customer: Customer, limit: int = 50) -> list[PointsEntry]:
    return list(
        PointsEntry.objects.filter(account__customer=customer).select_related("order")[:limit]
    )
