"""Reads: the price a customer pays (one query for any number of products), the lists staff edit.

`prices_for` is the one place a signed-in customer's prices come from: the product page, the
cart and checkout pages (`cart.queries`) and `place_order` all call it, so they show and charge
the same number. Anonymous visitors never reach it: their pages stay as they were.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from rapport.catalog.models import Product
from rapport.core.sql import Columns, column, db_value, table
from rapport.customers.models import Customer
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


# The cart page and `place_order` call this for every signed-in customer: hand-written
# (`rapport.core.sql`), because building the ORM version (three EXISTS sub-queries) cost
# several times what the database needs to answer it (bench/pricing/price_resolution.py).
_RULE_COLUMNS = Columns(
    ("i", PriceListItem, "product"),
    ("i", PriceListItem, "price_list"),
    ("pl", PriceList, "priority"),
    ("i", PriceListItem, "min_quantity"),
    ("i", PriceListItem, "fixed_price"),
    ("i", PriceListItem, "percent_off"),
)


@functools.cache
def _rules_sql(by_user: bool) -> str:
    """The statement, with `{products}` left for the product-id placeholders; parameters: the
    day twice, then the customer (or their user) three times."""

    def pl(name: str) -> str:
        return "pl." + column(PriceList, name)

    def item(name: str) -> str:
        return "i." + column(PriceListItem, name)

    customer_id = column(Customer, "id")
    who = (
        f"(SELECT {customer_id} FROM {table(Customer)} WHERE {column(Customer, 'user')} = %s)"  # noqa: S608
        if by_user
        else "%s"
    )
    member = column(PriceListCustomer, "customer")
    in_segment = column(SegmentMembership, "customer")
    valued = column(CustomerValue, "customer")
    tier = column(CustomerValue, "tier")
    return (
        f"SELECT {_RULE_COLUMNS.sql} FROM {table(PriceListItem)} i"  # noqa: S608
        f" JOIN {table(PriceList)} pl ON {pl('id')} = {item('price_list')}"
        f" WHERE {item('product')} IN ({{products}}) AND {pl('is_active')}"
        f" AND ({pl('valid_from')} IS NULL OR {pl('valid_from')} <= %s)"
        f" AND ({pl('valid_until')} IS NULL OR {pl('valid_until')} >= %s)"
        f" AND (EXISTS (SELECT 1 FROM {table(PriceListCustomer)} m"
        f" WHERE m.{column(PriceListCustomer, 'price_list')} = {pl('id')} AND m.{member} = {who})"
        f" OR EXISTS (SELECT 1 FROM {table(SegmentMembership)} sm"
        f" WHERE sm.{column(SegmentMembership, 'segment')} = {pl('segment')}"
        f" AND sm.{in_segment} = {who})"
        f" OR EXISTS (SELECT 1 FROM {table(CustomerValue)} v WHERE v.{valued} = {who}"
        f" AND v.{tier} <> '' AND v.{tier} = {pl('vip_tier')}))"
    )


def price_rules(
    *,
    product_ids: Iterable[int],
    customer_id: int | None = None,
    user_id: int | None = None,
    at: datetime.datetime | None = None,
) -> dict[int, list[Rule]]:
    """Every item of a list that applies to the customer on `at`'s day (a list names them, one
    of their segments or their VIP tier), per product: one query."""
    ids = sorted(set(product_ids))
    if not ids:
        return {}
    if customer_id is None and user_id is None:
        raise ValueError("Name the customer or their user.")
    who = customer_id if customer_id is not None else user_id
    day = db_value(PriceList, "valid_from", timezone.localdate(at or timezone.now()))
    sql = _rules_sql(customer_id is None).replace("{products}", ", ".join(["%s"] * len(ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, day, day, who, who, who])
        rows = cursor.fetchall()
    rules: dict[int, list[Rule]] = {}
    for row in rows:
        pid, list_id, priority, min_qty, fixed, percent = _RULE_COLUMNS.convert(row)
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
