"""Reads: a customer's value row, the VIP proposals waiting for a manager."""

from __future__ import annotations

from django.db.models import F

from rapport.customers.models import Customer
from rapport.customervalue.models import CustomerValue


def value_of(customer: Customer) -> CustomerValue | None:
    """The customer's value row with the account manager, or None before the first refresh."""
    return CustomerValue.objects.filter(customer=customer).select_related("account_manager").first()


def pending_proposals(limit: int = 100) -> list[CustomerValue]:
    """Customers whose proposed tier differs from their confirmed one, highest value first."""
    return list(
        CustomerValue.objects.exclude(proposed_tier="")
        .exclude(proposed_tier=F("tier"))
        .select_related("customer")
        .order_by("value_rank")[:limit]
    )
