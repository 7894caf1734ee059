"""Writes to the customer record. Every change goes through here and is audit-logged."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from rapport.core import audit
from rapport.customers.models import Customer


class CustomerError(Exception):
    """A change to a customer record that cannot be made."""


def create_customer_for_user(*, user: Any, actor: Any = None, name: str = "") -> Customer:
    """The CRM record of a newly registered user (idempotent: returns the existing one)."""
    with transaction.atomic():
        existing = Customer.objects.filter(user=user).first()
        if existing is not None:
            return existing
        customer = Customer.objects.create(
            user=user, email=user.email, name=name or user.get_full_name(), source="web"
        )
        audit.record(
            action="customer.registered",
            actor=actor or user,
            target=customer,
            customer=customer,
            summary="Customer account created",
        )
        return customer


def set_vip(*, customer: Customer, is_vip: bool, actor: Any, reason: str = "") -> Customer:
    """Managers mark a customer as VIP (or not). Audit-logged on the customer's timeline."""
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if locked.is_vip == is_vip:
            return locked
        locked.is_vip = is_vip
        locked.save(update_fields=["is_vip", "updated_at"])
        audit.record(
            action="customer.vip_changed",
            actor=actor,
            target=locked,
            customer=locked,
            summary=("Marked VIP" if is_vip else "VIP status removed")
            + (f": {reason}" if reason else ""),
            data={"is_vip": is_vip},
        )
        return locked


def change_customer_email(*, customer: Customer, email: str, actor: Any) -> Customer:
    """Follow the login's verified email change on the CRM record.

    The accounts service that confirmed the change writes the audit entry (one per action).
    """
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=customer.pk)
        if locked.email != email:
            locked.email = email
            locked.save(update_fields=["email", "updated_at"])
        return locked
