"""Customers and their timeline, for staff (scope customers:read)."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from rapport.api.auth import SIGNED_IN, need
from rapport.api.pagination import NO_NUL, LimitOffset
from rapport.customers.access import get_customer_for_staff
from rapport.customers.queries import (
    TIMELINE_KINDS,
    kind_of,
    matching_customers,
    timeline_entries,
)

router = Router(tags=["customers"], auth=SIGNED_IN)

TimelineKind = Literal[tuple(TIMELINE_KINDS)]  # type: ignore[valid-type]


class CustomerOut(Schema):
    id: UUID
    name: str
    email: str
    country: str
    city: str
    is_vip: bool
    language: str
    created_at: datetime
    retired: bool

    @staticmethod
    def resolve_id(obj: Any) -> UUID:
        return obj.public_id

    @staticmethod
    def resolve_retired(obj: Any) -> bool:
        return obj.retired_at is not None


class TimelineEntryOut(Schema):
    at: datetime
    action: str
    kind: str
    actor: str
    summary: str

    @staticmethod
    def resolve_at(obj: Any) -> datetime:
        return obj.created_at

    @staticmethod
    def resolve_kind(obj: Any) -> str:
        return kind_of(obj.action)

    @staticmethod
    def resolve_actor(obj: Any) -> str:
        return obj.actor_label


class CustomerSearch(Schema):
    q: str = Field("", max_length=100, pattern=NO_NUL, description="Name, email or contact value")
    include_retired: bool = False


class TimelineFilter(Schema):
    kind: list[TimelineKind] = Field(default_factory=list)  # type: ignore[valid-type]


@router.get("", response=list[CustomerOut], url_name="customers")
@paginate(LimitOffset)
def list_customers(request: HttpRequest, search: Query[CustomerSearch]) -> Any:
    """Customer records (merged ones left out), newest first. Staff; scope customers:read."""
    need(request, "customers:read", staff=True)
    return matching_customers(search.q, include_retired=search.include_retired)


@router.get("/{customer_id}", response=CustomerOut, url_name="customer")
def get_customer(request: HttpRequest, customer_id: UUID) -> Any:
    """One customer record. Staff; scope customers:read."""
    principal = need(request, "customers:read", staff=True)
    return get_customer_for_staff(principal.user, customer_id)


@router.get("/{customer_id}/timeline", response=list[TimelineEntryOut], url_name="timeline")
@paginate(LimitOffset)
def get_timeline(request: HttpRequest, customer_id: UUID, filters: Query[TimelineFilter]) -> Any:
    """The customer's timeline (everything the audit log recorded about them), newest first,
    optionally only some kinds. Staff; scope customers:read."""
    principal = need(request, "customers:read", staff=True)
    customer = get_customer_for_staff(principal.user, customer_id)
    return timeline_entries(customer, kinds=list(filters.kind) or None)
