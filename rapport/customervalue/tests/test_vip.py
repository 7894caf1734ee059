"""Predicted value from the store's orders, VIP proposals, and a manager's confirmation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.core.models import AuditEntry
from rapport.customers.tests.factories import CustomerFactory
from rapport.customervalue import services
from rapport.customervalue.models import CustomerValue, VipTier
from rapport.customervalue.queries import pending_proposals
from rapport.orders.models import Order

pytestmark = pytest.mark.django_db


def buy(customer, days_ago, total):
    Order.objects.create(
        number=f"V-{customer.pk}-{days_ago}-{total}",
        customer=customer,
        currency="GBP",
        subtotal=Decimal(total),
        total=Decimal(total),
        placed_at=timezone.now() - datetime.timedelta(days=days_ago),
        payment_method="card",
    )


@pytest.fixture
def shop():
    """Forty small buyers and one wholesale buyer who orders big every fortnight."""
    small = [CustomerFactory() for _ in range(40)]
    for i, customer in enumerate(small):
        buy(customer, 200 + i, "30.00")
        if i % 3 == 0:
            buy(customer, 60 + i, "25.00")
    whale = CustomerFactory()
    for days in range(10, 400, 14):
        buy(whale, days, "900.00")
    return small, whale


def test_refresh_predicts_values_and_proposes_the_top_customer(shop):
    _small, whale = shop

    scored = services.refresh_customer_values()

    assert scored == 41
    top = CustomerValue.objects.get(customer=whale)
    assert top.value_rank == 1
    assert top.predicted_12m > 10 * max(
        v.predicted_12m for v in CustomerValue.objects.exclude(customer=whale)
    )
    assert top.proposed_tier == VipTier.STRATEGIC
    assert {r["code"] for r in top.proposal_reasons} == {"predicted", "rank", "last_year"}
    assert not CustomerValue.objects.exclude(customer=whale).exclude(proposed_tier="").exists()
    assert [v.customer for v in pending_proposals()] == [whale]


def test_manager_confirms_a_vip_with_an_account_manager(shop, people):
    _small, whale = shop
    services.refresh_customer_values()

    row = services.confirm_vip(
        customer=whale,
        tier=VipTier.STRATEGIC,
        reason="buys every fortnight",
        account_manager=people["employee"],
        actor=people["manager"],
    )

    whale.refresh_from_db()
    assert whale.is_vip is True
    assert (row.tier, row.account_manager) == (VipTier.STRATEGIC, people["employee"])
    assert pending_proposals() == []
    entry = AuditEntry.objects.get(customer=whale, action="vip.confirmed")
    assert "buys every fortnight" in entry.summary


def test_confirmation_needs_a_reason_and_an_employee(shop, people):
    _small, whale = shop
    with pytest.raises(services.VipError):
        services.confirm_vip(
            customer=whale,
            tier="important",
            reason="",
            account_manager=people["employee"],
            actor=people["manager"],
        )
    with pytest.raises(services.VipError):
        services.confirm_vip(
            customer=whale,
            tier="important",
            reason="big",
            account_manager=people["customer"],
            actor=people["manager"],
        )
    whale.refresh_from_db()
    assert whale.is_vip is False
    assert not CustomerValue.objects.filter(customer=whale).exclude(tier="").exists()
