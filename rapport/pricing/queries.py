"""Reads: the price a customer pays (one query for any number of products), the lists staff edit.

`prices_for` is the one place a signed-in customer's prices come from: the product page, the
cart and checkout pages (`cart.queries`) and `place_order` all call it, so they show and charge
the same number. Anonymous visitors never reach it: their pages stay as they were.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from rapport.catalog.models import Product
from rapport.customervalue.models import CustomerValue
from rapport.pricing.models import PriceList, PriceListCustomer, PriceListItem
from rapport.pricing.rules import CustomerPrice, Rule, resolve, tier_breaks
from rapport.segments.models import SegmentMembership

__all__ = [
    "CustomerPrice",
    "Rule",
    "price_lists",
    "price_rules",
    "prices_for",
    "product_price_for",
    "unit_price_for",
]


def _valid_on(day: datetime.date, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}is_active": True})
        & (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day}))
        & (Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": day}))
    )


def _whose(customer_id: int | None, user_id: int | None) -> dict[str, int]:
    if customer_id is not None:
        return {"customer_id": customer_id}
    if user_id is not None:
        return {"customer__user_id": user_id}
    raise ValueError("Name the customer or their user.")


def _applies(who: dict[str, int]) -> Q:
    """True for an item whose list names the customer, one of their segments or their tier."""
    named = PriceListCustomer.objects.filter(price_list=OuterRef("price_list"), **who)
    in_segment = SegmentMembership.objects.filter(segment=OuterRef("price_list__segment"), **who)
    in_tier = CustomerValue.objects.filter(tier=OuterRef("price_list__vip_tier"), **who).exclude(
        tier=""
    )
    return Q(Exists(named)) | Q(Exists(in_segment)) | Q(Exists(in_tier))


def price_rules(
    *,
    product_ids: Iterable[int],
    customer_id: int | None = None,
    user_id: int | None = None,
    at: datetime.datetime | None = None,
) -> dict[int, list[Rule]]:
    """Every item of a list that applies to the customer on `at`'s day, per product: one query."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    day = timezone.localdate(at or timezone.now())
    rows = (
        PriceListItem.objects.filter(product_id__in=ids)
        .filter(_valid_on(day, "price_list__"))
        .filter(_applies(_whose(customer_id, user_id)))
        .values_list(
            "product_id",
            "price_list_id",
            "price_list__priority",
            "min_quantity",
            "fixed_price",
            "percent_off",
        )
    )
    rules: dict[int, list[Rule]] = {}
    for pid, list_id, priority, min_qty, fixed, percent in rows:
        rules.setdefault(pid, []).append(Rule(list_id, priority, min_qty, fixed, percent))
    return rules


def prices_for(
    items: Sequence[tuple[int, Decimal, int]],
    *,
    customer_id: int | None = None,
    user_id: int | None = None,
    at: datetime.datetime | None = None,
) -> dict[int, CustomerPrice]:
    """The customer's unit price for each (product id, list price, quantity): one query."""
    rules = price_rules(
        product_ids=(pid for pid, _p, _q in items), customer_id=customer_id, user_id=user_id, at=at
    )
    return {
        pid: resolve(list_price, quantity, rules.get(pid, ()))
        for pid, list_price, quantity in items
    }


def unit_price_for(
    customer_id: int, product: Product, quantity: int, at: datetime.datetime | None = None
) -> CustomerPrice:
    """One product's unit price for `quantity` units bought by the customer."""
    return prices_for(
        [(product.pk, product.price or Decimal("0.00"), quantity)], customer_id=customer_id, at=at
    )[product.pk]


def product_price_for(
    user_id: int, product: Product
) -> tuple[CustomerPrice, list[tuple[int, Decimal]]]:
    """The product page's price for a signed-in user (one unit) and its quantity breaks."""
    list_price = product.price or Decimal("0.00")
    rules = price_rules(product_ids=[product.pk], user_id=user_id).get(product.pk, [])
    return resolve(list_price, 1, rules), tier_breaks(list_price, rules)


def price_lists() -> QuerySet[PriceList]:
    """Every list for the portal, with its item count."""
    from django.db.models import Count

    return PriceList.objects.select_related("segment").annotate(item_count=Count("items"))
