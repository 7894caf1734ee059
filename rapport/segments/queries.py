"""Reads for segments: a customer's segments and personalisation (cached), home-page blocks and
their products, rule previews for the editor, and what the staff 360° page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache as django_cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, QuerySet, Sum

from rapport.catalog.models import Category, Product
from rapport.catalog.queries import category_with_descendant_ids, sellable_products
from rapport.customers.models import Customer
from rapport.orders.models import OrderKind, OrderLine
from rapport.segments import cache
from rapport.segments.models import (
    CarouselMode,
    HomeBlock,
    Personalisation,
    RfmGroup,
    RfmScore,
    Segment,
    SegmentMembership,
    Theme,
)
from rapport.segments.rules import compile_rule

SAMPLE_SIZE = 10


@dataclass(frozen=True)
class Preferences:
    """What the storefront needs on every page for a signed-in customer."""

    customer_id: int | None = None
    theme: str = Theme.LIGHT
    hidden_blocks: frozenset[str] = field(default_factory=frozenset)
    news_topics: frozenset[str] = field(default_factory=frozenset)


NO_PREFERENCES = Preferences()


def preferences_for_user(user: Any) -> Preferences:
    """The signed-in customer's preferences, cached (one query on a miss, none on a hit).

    Anonymous visitors and staff get the defaults."""
    if not getattr(user, "is_authenticated", False) or user.is_staff:
        return NO_PREFERENCES
    key = cache.personalisation_key(user.pk)
    found = django_cache.get(key)
    if found is not None:
        return found
    customer = Customer.objects.active().filter(user=user).select_related("personalisation").first()
    if customer is None:
        result = NO_PREFERENCES
    else:
        item: Personalisation | None = getattr(customer, "personalisation", None)
        result = Preferences(
            customer_id=customer.pk,
            theme=item.theme if item else Theme.LIGHT,
            hidden_blocks=frozenset(item.hidden_blocks if item else ()),
            news_topics=frozenset(item.news_topics if item else ()),
        )
    django_cache.set(key, result, cache.TIMEOUT)
    return result


def segment_ids_for(customer_id: int) -> tuple[int, ...]:
    """Ids of the active segments the customer is in, highest priority first (cached until the
    next refresh or segment edit)."""
    key = f"segments:of:{customer_id}:{cache.version()}"
    found = django_cache.get(key)
    if found is None:
        found = tuple(
            SegmentMembership.objects.filter(customer_id=customer_id, segment__is_active=True)
            .order_by("segment__priority", "segment__name")
            .values_list("segment_id", flat=True)
        )
        django_cache.set(key, found, cache.TIMEOUT)
    return found


def home_blocks(segment_ids: tuple[int, ...]) -> list[HomeBlock]:
    """The blocks of these segments, in the segments' priority order then each one's layout."""
    if not segment_ids:
        return []
    blocks = list(
        HomeBlock.objects.filter(segment_id__in=segment_ids, segment__is_active=True)
        .select_related("segment")
        .prefetch_related(Prefetch("categories", queryset=Category.objects.order_by("name")))
    )
    rank = {pk: i for i, pk in enumerate(segment_ids)}
    blocks.sort(key=lambda b: (rank[b.segment_id], b.position, b.pk))
    return blocks


def carousel_products(block: HomeBlock) -> list[Product]:
    """Products for a carousel block: newest, or best sellers by units sold, in its categories."""
    ids: list[int] = []
    for category in block.categories.all():
        ids.extend(category_with_descendant_ids(category))
    products = sellable_products().filter(category_id__in=ids).select_related("category")
    if block.carousel_mode == CarouselMode.NEWEST:
        return list(products.order_by("-created_at", "-pk")[: block.limit])
    # Best sellers by units in orders (the result is cached with the rendered block).
    top = list(
        OrderLine.objects.filter(product__in=products, order__kind=OrderKind.ORDER, quantity__gt=0)
        .values("product_id")
        .annotate(units=Sum("quantity"))
        .order_by("-units", "product_id")
        .values_list("product_id", flat=True)[: block.limit]
    )
    by_id = products.in_bulk(top)
    chosen = [by_id[pk] for pk in top if pk in by_id]
    if len(chosen) < block.limit:  # too little history: fill up with the newest
        chosen += products.exclude(pk__in=top).order_by("-created_at", "-pk")[
            : block.limit - len(chosen)
        ]
    return chosen


def preview(rule: dict[str, Any]) -> tuple[int, list[Customer]]:
    """How many active customers a (valid) rule selects, and a sample of them."""
    members = Customer.objects.active().filter(compile_rule(rule))
    return members.count(), list(members.order_by("pk")[:SAMPLE_SIZE])


def members(segment: Segment, *, page: Any = 1) -> Page[Customer]:
    """A page of the segment's materialised members."""
    qs = Customer.objects.filter(segment_memberships__segment=segment).order_by("name", "pk")
    return Paginator(qs, 50).get_page(page)


def segments_with_blocks() -> QuerySet[Segment]:
    return Segment.objects.annotate(block_count=Count("blocks")).order_by("priority", "name")


def rfm_for(customer: Customer) -> RfmScore | None:
    return RfmScore.objects.filter(customer=customer).first()


def segments_of(customer: Customer) -> list[Segment]:
    """The active segments a customer is in (for the staff 360° page)."""
    return list(
        Segment.objects.filter(memberships__customer=customer, is_active=True).order_by(
            "priority", "name"
        )
    )


def rfm_group_counts() -> list[tuple[str, str, int]]:
    """(group, label, customers) for every RFM group, in the documented order."""
    counts = dict(
        RfmScore.objects.values("group").annotate(n=Count("pk")).values_list("group", "n")
    )
    return [(g.value, str(g.label), counts.get(g.value, 0)) for g in RfmGroup]
