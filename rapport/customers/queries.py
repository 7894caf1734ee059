"""Reads of the customer record: the timeline, the 360° summary, search, duplicates, profiling."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from rapport.core.models import AuditEntry
from rapport.core.money import to_money
from rapport.customers.models import (
    Consent,
    ContactKind,
    ContactPoint,
    Customer,
    Gender,
    Interest,
    Occupation,
    Purpose,
)
from rapport.customers.profiling import MONTHS, PROMPTS, QUESTION_KEYS, Choice, Question

# Timeline kinds: the first part of an audit action ("message.opened" → "message").
TIMELINE_KINDS: dict[str, Any] = {
    "order": _("Orders"),
    "payment": _("Payments"),
    "message": _("Messages"),
    "auth": _("Logins"),
    "profile": _("Profile"),
    "contact": _("Contact points"),
    "consent": _("Consent"),
    "review": _("Reviews"),
    "community": _("Community Q&A"),
    "customer": _("Record"),
    "ticket": _("Tickets"),
    "chat": _("Chats"),
    "survey": _("Surveys"),
    "note": _("Staff notes"),
}
# Actions other apps may name differently but that belong to a kind.
KIND_ALIASES = {"login": "auth", "accounts": "auth", "audit": "customer", "orders": "order"}


def kind_of(action: str) -> str:
    head = action.split(".", 1)[0]
    head = KIND_ALIASES.get(head, head)
    return head if head in TIMELINE_KINDS else "other"


def timeline_entries(customer: Customer, *, kinds: list[str] | None = None) -> QuerySet[AuditEntry]:
    """The customer's audit entries, newest first, optionally only some kinds (unpaged: the
    timeline page and the API page it their own way)."""
    entries: QuerySet[AuditEntry] = AuditEntry.objects.for_customer(customer.pk)
    if kinds:
        query = Q()
        for kind in kinds:
            prefixes = [kind] + [alias for alias, target in KIND_ALIASES.items() if target == kind]
            for prefix in prefixes:
                query |= Q(action__startswith=f"{prefix}.")
        entries = entries.filter(query)
    return entries.order_by("-created_at", "-id")


def timeline(
    customer: Customer,
    *,
    kinds: list[str] | None = None,
    page: int | str = 1,
    per_page: int = 25,
) -> Page[AuditEntry]:
    """One page of the customer's timeline, newest first, optionally only some kinds.

    Every entry gets a `kind` attribute (see TIMELINE_KINDS) for rendering. Entries come
    from the audit log, so anything any app records with `customer=` appears here.
    """
    result = Paginator(timeline_entries(customer, kinds=kinds), per_page).get_page(page)
    for entry in result.object_list:
        entry.kind = kind_of(entry.action)  # type: ignore[attr-defined]
        entry.kind_label = TIMELINE_KINDS.get(entry.kind, _("Other"))  # type: ignore[attr-defined]
    return result


@dataclass
class Summary:
    order_count: int
    lifetime_spend: Decimal
    orders: list[Any]


def customer_summary(customer: Customer, *, recent: int = 20) -> Summary:
    """Orders with totals and the lifetime spend (orders minus credit notes, not cancelled)."""
    from rapport.orders.models import Order, OrderKind, OrderStatus

    orders = Order.objects.filter(customer=customer)
    counted = orders.exclude(status=OrderStatus.CANCELLED)
    totals = counted.aggregate(
        sales=Sum("total", filter=Q(kind=OrderKind.ORDER)),
        credits=Sum("total", filter=Q(kind=OrderKind.CREDIT_NOTE)),
        n=Count("id", filter=Q(kind=OrderKind.ORDER)),
    )
    # Credit notes are stored with negative totals by the importer; abs() makes either work.
    spend = (totals["sales"] or Decimal("0")) - abs(totals["credits"] or Decimal("0"))
    return Summary(
        order_count=totals["n"] or 0,
        lifetime_spend=to_money(spend),
        orders=list(orders.order_by("-placed_at", "-id")[:recent]),
    )


def search_customers(
    query: str = "", *, include_retired: bool = False, page: int | str = 1, per_page: int = 50
) -> Page[Customer]:
    """Staff customer list: search by name, email or contact value; retired ones on request."""
    customers = matching_customers(query, include_retired=include_retired)
    return Paginator(customers, per_page).get_page(page)


def matching_customers(query: str = "", *, include_retired: bool = False) -> QuerySet[Customer]:
    """Live (not merged) customer records matching `query`, newest first (unpaged)."""
    customers = Customer.objects.filter(merged_into__isnull=True).select_related("occupation")
    if not include_retired:
        customers = customers.filter(retired_at__isnull=True)
    query = query.strip()
    if query:
        customers = customers.filter(
            Q(name__icontains=query)
            | Q(email__icontains=query)
            | Q(contact_points__value__icontains=query)
        ).distinct()
    return customers.order_by("-created_at", "-id")


def duplicate_candidates(customer: Customer) -> list[Customer]:
    """Other live records that share an email address or a phone number with this one."""
    values = list(
        customer.contact_points.filter(kind__in=[ContactKind.EMAIL, ContactKind.PHONE]).values_list(
            "kind", "value"
        )
    )
    query = Q(email__iexact=customer.email) if customer.email else Q()
    for kind, value in values:
        query |= Q(contact_points__kind=kind, contact_points__value__iexact=value)
        if kind == ContactKind.EMAIL:
            query |= Q(email__iexact=value)
    if not query:
        return []
    return list(
        Customer.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
        .exclude(pk=customer.pk)
        .filter(query)
        .distinct()
        .order_by("created_at")
    )


def contact_points_with_consent(customer: Customer) -> list[ContactPoint]:
    """Contact points, each with `consent` = {purpose: Consent or None}."""
    points = list(customer.contact_points.prefetch_related("consents"))
    for point in points:
        by_purpose: dict[str, Consent | None] = dict.fromkeys(Purpose.values, None)
        for consent in point.consents.all():
            by_purpose[consent.purpose] = consent
        point.consent = by_purpose  # type: ignore[attr-defined]
    return points


def next_question(customer: Customer) -> Question | None:
    """The next progressive-profiling question, or None when nothing is left to ask.

    Skips questions already answered and questions the customer refused.
    """
    refused = set(customer.profiling_refused or [])
    for key in QUESTION_KEYS:
        if key in refused or _answered(customer, key):
            continue
        return Question(key=key, prompt=PROMPTS[key], choices=_choices(key))
    return None


def _answered(customer: Customer, key: str) -> bool:
    if key == "occupation":
        return customer.occupation_id is not None
    if key == "interests":
        return customer.interests.exists()
    if key == "birth_month":
        return customer.known_birth_month is not None
    return bool(customer.gender)


def _choices(key: str) -> tuple[Choice, ...]:
    if key == "occupation":
        return tuple(Choice(o.slug, o.label) for o in Occupation.objects.filter(is_active=True))
    if key == "interests":
        return tuple(Choice(i.slug, i.label) for i in Interest.objects.filter(is_active=True))
    if key == "birth_month":
        return tuple(Choice(str(n), label) for n, label in enumerate(MONTHS, start=1))
    return tuple(Choice(g.value, g.label) for g in Gender)
