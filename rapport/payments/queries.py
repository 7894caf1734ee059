"""Reads of wallets and credit accounts."""

from __future__ import annotations

from decimal import Decimal

from rapport.customers.models import Customer
from rapport.payments.models import CreditAccount, WalletAccount, WalletEntry


def wallet_balance(customer: Customer) -> Decimal:
    """The cached balance (0 when the customer has no wallet yet)."""
    value = WalletAccount.objects.filter(customer=customer).values_list("balance", flat=True)
    return value.first() or Decimal("0.00")


def wallet_entries(customer: Customer, limit: int = 50) -> list[WalletEntry]:
    """The latest ledger entries, newest first."""
    return list(
        WalletEntry.objects.filter(account__customer=customer)
        .select_related("order", "actor")
        .order_by("-created_at", "-id")[:limit]
    )


def credit_account(customer: Customer) -> CreditAccount | None:
    return CreditAccount.objects.filter(customer=customer).first()
