"""Bundle prices in a cart: per complete set of a bundle's items, the bundle price applies.

    discount per set = sum of (item unit price x item quantity) - bundle price

Pure arithmetic on (product id, unit price, quantity) lines so the cart page and `place_order`
compute the same figure. Bundles that share products are applied greedily, the biggest saving
per set first; an item unit counts toward one set only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from rapport.core.money import line_total
from rapport.core.sql import column, table
from rapport.recommendations.models import Bundle, BundleItem, BundleStatus


@dataclass(frozen=True)
class BundleDiscount:
    bundle_id: int
    name: str
    sets: int
    amount: Decimal  # positive: what is taken off
    # (product id, value of its units in the sets): `orders.netting` allocates the discount
    # over these units, so each order line knows what was paid for it.
    members: tuple[tuple[int, Decimal], ...] = ()

    @property
    def code(self) -> str:
        return f"BUNDLE-{self.bundle_id}"

    @property
    def label(self) -> str:
        return _("Bundle “%(name)s” x %(sets)d") % {"name": self.name, "sets": self.sets}


def in_active_bundle_sql(product_id_sql: str) -> tuple[str, list[str]]:
    """SQL (and its parameters) that is true when the product whose id is `product_id_sql`
    belongs to an active bundle: the cart page's one query carries it as a column, so a cart
    without bundle items never runs `bundle_discounts`' lookups."""
    # Only quoted table and column names from the models go into the text (noqa: S608).
    sql = (
        f"EXISTS (SELECT 1 FROM {table(BundleItem)} bi"  # noqa: S608
        f" JOIN {table(Bundle)} b ON b.{column(Bundle, 'id')} = bi.{column(BundleItem, 'bundle')}"
        f" WHERE bi.{column(BundleItem, 'product')} = {product_id_sql}"
        f" AND b.{column(Bundle, 'status')} = %s)"
    )
    return sql, [BundleStatus.ACTIVE.value]


def bundle_discounts(lines: Iterable[tuple[int, Decimal, int]]) -> list[BundleDiscount]:
    """The bundle discounts for cart lines given as (product id, unit price, quantity)."""
    prices: dict[int, Decimal] = {}
    left: dict[int, int] = {}
    for product_id, price, quantity in lines:
        prices[product_id] = price
        left[product_id] = left.get(product_id, 0) + quantity
    if not left:
        return []
    # Unordered: BundleItem's default ordering (by bundle name) would only make this lookup,
    # which runs on every cart page, slower.
    candidate_ids = set(
        BundleItem.objects.filter(product_id__in=left, bundle__status=BundleStatus.ACTIVE)
        .order_by()
        .values_list("bundle_id", flat=True)
    )
    if not candidate_ids:
        return []
    items: dict[int, list[tuple[int, int]]] = {}
    for bundle_id, product_id, quantity in BundleItem.objects.filter(
        bundle_id__in=candidate_ids
    ).values_list("bundle_id", "product_id", "quantity"):
        items.setdefault(bundle_id, []).append((product_id, quantity))
    bundles = {b.pk: b for b in Bundle.objects.filter(pk__in=candidate_ids)}
    offers: list[tuple[Decimal, int, Bundle, list[tuple[int, int]]]] = []
    for bundle_id, members in items.items():
        if any(pid not in left for pid, _q in members):
            continue
        bundle = bundles[bundle_id]
        full = sum((line_total(prices[pid], q) for pid, q in members), Decimal("0.00"))
        saving = full - (bundle.price or full)
        if saving > 0:
            offers.append((saving, bundle_id, bundle, members))
    offers.sort(key=lambda o: (-o[0], o[1]))
    result: list[BundleDiscount] = []
    for saving, _bid, bundle, members in offers:
        sets = min(left[pid] // q for pid, q in members)
        if sets < 1:
            continue
        for pid, q in members:
            left[pid] -= q * sets
        result.append(
            BundleDiscount(
                bundle_id=bundle.pk,
                name=bundle.name,
                sets=sets,
                amount=saving * sets,
                members=tuple((pid, line_total(prices[pid], q * sets)) for pid, q in members),
            )
        )
    return result


def total_discount(discounts: Iterable[BundleDiscount]) -> Decimal:
    return sum((d.amount for d in discounts), Decimal("0.00"))
