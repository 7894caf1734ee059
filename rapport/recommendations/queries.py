"""Reads: explainable suggestions for a product, a cart, an order or a returning customer.

Every suggestion carries a reason in the visitor's language. Three sources, in this order:
mined product rules ("customers who bought X often add this"), managers' knowledge rules
(category → category, optionally only for a segment or for buyers at the top of a category's
price range), and mined category rules as a fallback. Never suggested: what is out of stock, not
on sale, already in hand (the product itself, the cart), or already bought — unless consumable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from rapport.catalog.models import Product
from rapport.customers.models import Customer
from rapport.inventory.models import StockRecord
from rapport.orders.models import LineKind, Order, OrderKind, OrderLine
from rapport.recommendations.models import (
    Bundle,
    BundleItem,
    BundleStatus,
    CategoryRule,
    Consumable,
    KnowledgeRule,
    MiningSettings,
    PriceTier,
    ProductRule,
)
from rapport.segments.queries import segment_ids_for

PREMIUM_SHARE = 0.2  # "top of a category's price range" = its top fifth (quintile)
SEEDS_FROM_HISTORY = 20


@dataclass(frozen=True)
class Suggestion:
    product: Product
    reason: str
    source: str  # "rule", "knowledge", "category"


def current_settings() -> MiningSettings:
    """The thresholds in force (the defaults until a manager saves them)."""
    return MiningSettings.objects.filter(pk=1).first() or MiningSettings(pk=1)


def customer_segment_ids(customer: Customer | None) -> tuple[int, ...]:
    """Ids of the segments the customer is in (cached by the segments app)."""
    if customer is None:
        return ()
    return segment_ids_for(customer.pk)


def is_premium(product: Product) -> bool:
    """True when the product's price is in the top fifth of its category's prices on sale."""
    if product.category_id is None or not product.price:
        return False
    on_sale = Product.objects.filter(
        category_id=product.category_id, is_active=True, price__isnull=False
    )
    total = on_sale.count()
    dearer = on_sale.filter(price__gt=product.price).count()
    return total > 0 and dearer < PREMIUM_SHARE * total


def bought_product_ids(customer: Customer | None) -> set[int]:
    """Products the customer has bought in real orders (not credit notes)."""
    if customer is None:
        return set()
    return set(
        OrderLine.objects.filter(
            order__customer=customer,
            order__kind=OrderKind.ORDER,
            kind=LineKind.PRODUCT,
            product__isnull=False,
        ).values_list("product_id", flat=True)
    )


def _consumable_ids(product_ids: set[int]) -> set[int]:
    if not product_ids:
        return set()
    flags = Consumable.objects.all()
    cats = set(flags.filter(category__isnull=False).values_list("category_id", flat=True))
    prods = set(flags.filter(product__isnull=False).values_list("product_id", flat=True))
    in_cats = (
        set(
            Product.objects.filter(pk__in=product_ids, category_id__in=cats).values_list(
                "pk", flat=True
            )
        )
        if cats
        else set()
    )
    return (prods & product_ids) | in_cats


def _sellable(candidate_ids: Iterable[int]) -> dict[int, Product]:
    ids = list(dict.fromkeys(candidate_ids))
    in_stock = set(
        StockRecord.objects.filter(product_id__in=ids, quantity__gt=0).values_list(
            "product_id", flat=True
        )
    )
    return {
        p.pk: p
        for p in Product.objects.filter(
            pk__in=in_stock, is_active=True, price__isnull=False, price__gt=0
        ).select_related("category")
    }


def _top_in_category(category_ids: Iterable[int], per_category: int) -> dict[int, list[int]]:
    """Most popular in-stock products per category (ids)."""
    found: dict[int, list[int]] = {}
    for category_id in dict.fromkeys(category_ids):
        found[category_id] = list(
            Product.objects.filter(
                category_id=category_id,
                is_active=True,
                price__gt=0,
                stock__quantity__gt=0,
            )
            .order_by("-popularity", "name", "pk")
            .values_list("pk", flat=True)[:per_category]
        )
    return found


def suggest(
    seeds: list[Product],
    *,
    customer: Customer | None = None,
    exclude: Iterable[int] = (),
    limit: int = 4,
) -> list[Suggestion]:
    """Up to `limit` suggestions for someone holding `seeds` (viewed, in the cart or ordered)."""
    if not seeds:
        return []
    seed_ids = {p.pk for p in seeds}
    excluded = set(exclude) | seed_ids
    bought = bought_product_ids(customer)
    candidates: list[tuple[int, str, str]] = []  # (product id, reason, source)
    names = {p.pk: p.name for p in seeds}

    for rule in ProductRule.objects.filter(antecedent_id__in=seed_ids).order_by(
        "-confidence", "-lift", "consequent_id"
    ):
        candidates.append(
            (
                rule.consequent_id,
                _("Customers who bought “%(product)s” often add this too.")
                % {"product": names[rule.antecedent_id]},
                "rule",
            )
        )

    segment_ids = customer_segment_ids(customer)
    by_category: dict[int, list[Product]] = {}
    for p in seeds:
        if p.category_id is not None:
            by_category.setdefault(p.category_id, []).append(p)
    knowledge = list(
        KnowledgeRule.objects.filter(is_active=True, source_id__in=by_category).filter(
            Q(segment__isnull=True) | Q(segment_id__in=segment_ids)
        )
    )
    if knowledge:
        tops = _top_in_category((k.target_id for k in knowledge), per_category=limit)
        for k_rule in knowledge:
            matching = by_category[k_rule.source_id]
            if k_rule.price_tier == PriceTier.PREMIUM:
                matching = [p for p in matching if is_premium(p)]
                default = _("Because you chose a premium “%(product)s”.")
            elif k_rule.segment_id:
                default = _("Popular with customers like you who buy “%(product)s”.")
            else:
                default = _("Goes well with “%(product)s”.")
            if not matching:
                continue
            reason = k_rule.reason or default % {"product": matching[0].name}
            candidates.extend((pk, reason, "knowledge") for pk in tops[k_rule.target_id])

    cat_rules = list(
        CategoryRule.objects.filter(antecedent_id__in=by_category)
        .select_related("antecedent")
        .order_by("-confidence", "-lift")[:limit]
    )
    if cat_rules:
        tops = _top_in_category((r.consequent_id for r in cat_rules), per_category=2)
        for cat_rule in cat_rules:
            reason = _("Often bought with %(category)s.") % {"category": cat_rule.antecedent.name}
            candidates.extend((pk, reason, "category") for pk in tops[cat_rule.consequent_id])

    ids = [pk for pk, _r, _s in candidates if pk not in excluded]
    repeatable = _consumable_ids(set(ids) & bought)
    sellable = _sellable(pk for pk in ids if pk not in bought or pk in repeatable)
    chosen: list[Suggestion] = []
    seen: set[int] = set()
    for pk, reason, source in candidates:
        if pk in seen or pk in excluded or pk not in sellable:
            continue
        seen.add(pk)
        chosen.append(Suggestion(product=sellable[pk], reason=reason, source=source))
        if len(chosen) >= limit:
            break
    return chosen


def for_product(
    product: Product, *, customer: Customer | None = None, limit: int = 4
) -> list[Suggestion]:
    """'Often bought together' for a product page."""
    return suggest([product], customer=customer, limit=limit)


def for_cart(view: Any, *, customer: Customer | None = None, limit: int = 4) -> list[Suggestion]:
    """'Complete your purchase' for a cart (a `cart.queries.CartView`)."""
    ids = [lv["product_id"] for lv in view.lines]
    by_id = Product.objects.in_bulk(ids)
    # In the cart's order: the first line's rules lead.
    return suggest([by_id[i] for i in ids if i in by_id], customer=customer, limit=limit)


def for_order(order: Order, *, limit: int = 4) -> list[Suggestion]:
    """Suggestions after an order (confirmation page, follow-up email)."""
    products = [
        line.product
        for line in order.lines.filter(kind=LineKind.PRODUCT, product__isnull=False).select_related(
            "product"
        )
        if line.product is not None
    ]
    return suggest(products, customer=order.customer, limit=limit)


def for_returning_customer(customer: Customer | None, *, limit: int = 4) -> list[Suggestion]:
    """Home-page block: suggestions from what a returning customer bought most recently."""
    if customer is None:
        return []
    recent = (
        OrderLine.objects.filter(
            order__customer=customer,
            order__kind=OrderKind.ORDER,
            kind=LineKind.PRODUCT,
            product__isnull=False,
        )
        .select_related("product")
        .order_by("-order__placed_at", "position")[:SEEDS_FROM_HISTORY]
    )
    seeds = list({line.product_id: line.product for line in recent if line.product}.values())
    return suggest(seeds, customer=customer, limit=limit)


def customer_for_user(user: Any) -> Customer | None:
    """The signed-in shopper's customer record, or None (anonymous, staff without one)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Customer.objects.filter(user=user, erased_at__isnull=True).first()


@dataclass(frozen=True)
class BundleOffer:
    """An active bundle that includes a product, for its page: what is in it and what it saves."""

    name: str
    price: Decimal
    full_price: Decimal
    items: list[tuple[int, Product]]

    @property
    def saving(self) -> Decimal:
        return self.full_price - self.price


def bundle_offers(product: Product, *, limit: int = 3) -> list[BundleOffer]:
    """Active bundles with this product whose items are all on sale (two queries)."""
    bundles = list(
        Bundle.objects.filter(status=BundleStatus.ACTIVE, items__product=product)
        .prefetch_related(Prefetch("items", queryset=BundleItem.objects.select_related("product")))
        .order_by("price", "id")[:limit]
    )
    offers = []
    for bundle in bundles:
        items = [(item.quantity, item.product) for item in bundle.items.all()]
        if bundle.price is None or not all(p.is_sellable for _q, p in items):
            continue
        full = sum(((p.price or Decimal(0)) * q for q, p in items), Decimal("0.00"))
        offers.append(BundleOffer(bundle.name, bundle.price, full, items))
    return offers
