"""Who may see which customer record. Views fetch customers only through here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from rapport.accounts.roles import is_employee
from rapport.customers.models import Customer


def customers_visible_to(user: Any) -> QuerySet[Customer]:
    """Staff see every customer; a customer only their own record; anyone else none."""
    if is_employee(user):
        return Customer.objects.all()
    if getattr(user, "is_authenticated", False) and not user.is_staff:
        return Customer.objects.filter(user=user)
    return Customer.objects.none()


def get_customer_for(user: Any, public_id: Any) -> Customer:
    """The customer with this public id if `user` may see it; Http404 otherwise."""
    try:
        return customers_visible_to(user).get(public_id=public_id)
    except (ValidationError, Customer.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such customer") from exc
