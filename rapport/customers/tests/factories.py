"""Factories for customer records with contact points and consent."""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from rapport.customers.models import Consent, ContactKind, ContactPoint, Customer, Purpose


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    time_zone = "UTC"


def with_email(
    customer: Customer, value: str | None = None, *, marketing: bool = True, surveys: bool = False
) -> ContactPoint:
    """Give a customer an email contact point with transactional (and optional) consent."""
    point = ContactPoint.objects.create(
        customer=customer,
        kind=ContactKind.EMAIL,
        value=(value or customer.email).lower(),
        is_primary=not customer.contact_points.filter(kind=ContactKind.EMAIL).exists(),
    )
    grants: dict[str, Any] = {
        Purpose.TRANSACTIONAL: True,
        Purpose.MARKETING: marketing,
        Purpose.SURVEYS: surveys,
    }
    for purpose, granted in grants.items():
        Consent.objects.create(
            contact_point=point,
            purpose=purpose,
            granted=granted,
            changed_at=timezone.now(),
            source="test",
        )
    return point


def contactable(**kwargs: Any) -> Customer:
    customer = CustomerFactory(**kwargs)
    with_email(customer)
    return customer


def reseed() -> None:
    """Put back what migrations seed (staff groups, occupations, interests).

    Transactional tests (live server, threads) flush the database afterwards, so a later
    transactional test that needs seeded rows calls this first.
    """
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    from rapport.accounts.roles import ROLES

    for role in ROLES:
        Group.objects.get_or_create(name=role)
    importlib.import_module(
        "rapport.customers.migrations.0003_seed_choices_and_email_contact_points"
    ).seed(apps, None)
