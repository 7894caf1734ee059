"""The only ways interface code fetches customer records (one helper per kind of caller)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from rapport.accounts.roles import is_employee
from rapport.customers.models import ContactPoint, Customer


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
        return (
            customers_visible_to(user)
            .select_related("occupation", "user", "merged_into")
            .get(public_id=public_id)
        )
    except (ValidationError, Customer.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such customer") from exc


def get_customer_for_staff(user: Any, public_id: Any) -> Customer:
    """Any record, for employees and managers; Http404 for anyone else (customers included)."""
    if not is_employee(user):
        raise Http404
    return get_customer_for(user, public_id)


def get_own_customer(user: Any) -> Customer:
    """The signed-in customer's own record (following a merge to the surviving record).

    Raises Http404 for anonymous users, staff and users without a record.
    """
    if not getattr(user, "is_authenticated", False) or is_employee(user):
        raise Http404
    customer = Customer.objects.filter(user=user, erased_at__isnull=True).first()
    if customer is None:
        raise Http404
    seen = {customer.pk}
    while customer.merged_into_id is not None:
        customer = Customer.objects.get(pk=customer.merged_into_id)
        if customer.pk in seen:  # a cycle would be a bug; stop rather than loop
            break
        seen.add(customer.pk)
    return customer


def get_contact_point_for_staff(user: Any, customer: Customer, pk: int) -> ContactPoint:
    if not is_employee(user):
        raise Http404
    try:
        return ContactPoint.objects.get(customer=customer, pk=pk)
    except ContactPoint.DoesNotExist as exc:
        raise Http404 from exc
