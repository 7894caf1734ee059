"""Reads of the catalogue for the storefront."""

from __future__ import annotations

import functools
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from django.db.models import Count, Prefetch, Q, QuerySet

from rapport.catalog.models import Category, Product


def sellable_products() -> QuerySet[Product]:
    """Products a customer may see: on sale and priced (`price > 0` also excludes NULL)."""
    return Product.objects.filter(is_active=True, price__gt=0)


# What the product page shows (storefront/product.html and the includes it uses): the page is
# one query, and fetching only these columns of the four joined tables makes it cheaper to
# build and to turn into objects. Anything else the template reads would cost a query per page
# (the storefront's query-count test would catch it).
PRODUCT_PAGE_FIELDS = (
    "public_id",
    "sku",
    "name",
    "slug",
    "description",
    "price",
    "currency",
    "image",
    "updated_at",
    "category__name",
    "category__slug",
    "category__parent__name",
    "category__parent__slug",
    "stock__quantity",
)


@functools.cache
def _product_page_products() -> QuerySet[Product]:
    # Built once per process and never evaluated: each caller gets a clone (as class-based views
    # do with their `queryset`), which is cheaper than adding the filters, joins and column list
    # again on every request.
    return (
        sellable_products().select_related("category__parent", "stock").only(*PRODUCT_PAGE_FIELDS)
    )


def product_page_products() -> QuerySet[Product]:
    """Sellable products with their category, its parent and the stock record joined, limited
    to `PRODUCT_PAGE_FIELDS`: filter by `public_id` for the product page."""
    return _product_page_products().all()


@functools.cache
def _product_page_states() -> QuerySet[Product, tuple[str, datetime, int | None]]:
    return sellable_products().order_by().values_list("slug", "updated_at", "stock__quantity")


def product_page_state(public_id: UUID) -> tuple[str, datetime, int] | None:
    """What a cached product page depends on besides the catalogue version, in one small query:
    the slug, `updated_at` and units in stock of a sellable product; None if it is not for sale.
    (Every edit of what the page shows moves `updated_at`.)"""
    for slug, updated_at, quantity in _product_page_states().filter(public_id=public_id):
        return slug, updated_at, quantity or 0
    return None


def category_tree() -> list[Category]:
    """Root categories with their children, each annotated with `product_count` (sellable)."""
    counted = Category.objects.annotate(
        product_count=Count(
            "products",
            filter=Q(
                products__is_active=True,
                products__price__isnull=False,
                products__price__gt=0,
            ),
        )
    )
    roots = counted.filter(parent__isnull=True).prefetch_related(
        Prefetch("children", queryset=counted.order_by("position", "name"))
    )
    return list(roots.order_by("position", "name"))


def category_with_descendant_ids(category: Category) -> list[int]:
    """The category and every category below it (the tree is shallow: walk it level by level)."""
    ids = [category.pk]
    frontier = [category.pk]
    while frontier:
        frontier = list(
            Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


def products_in_category(category: Category) -> QuerySet[Product]:
    return (
        sellable_products()
        .filter(category_id__in=category_with_descendant_ids(category))
        .select_related("category")
        .order_by("name", "pk")
    )


def featured_products(limit: int = 12) -> list[Product]:
    """Best sellers by units sold (`Product.popularity`, kept by `place_order` and recomputed
    after imports); falls back to the newest products on an empty history."""
    base = sellable_products().select_related("category")
    best = list(base.filter(popularity__gt=0).order_by("-popularity", "pk")[:limit])
    return best or list(base.order_by("-created_at", "-pk")[:limit])


SORTS = {
    "name": ("name", "pk"),
    "price": ("price", "pk"),
    "-price": ("-price", "pk"),
    "newest": ("-created_at", "-pk"),
    "popular": ("-popularity", "name", "pk"),
}


def filtered_products(
    *,
    category: Category | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool = False,
    sort: str = "name",
) -> QuerySet[Product]:
    """The listing: sellable products filtered by category (with descendants), price range and
    availability, in one of `SORTS` (unknown sort keys fall back to name). One query per page
    plus one count; the category is joined for the cards."""
    qs = sellable_products().select_related("category")
    if category is not None:
        qs = qs.filter(category_id__in=category_with_descendant_ids(category))
    if min_price is not None:
        qs = qs.filter(price__gte=min_price)
    if max_price is not None:
        qs = qs.filter(price__lte=max_price)
    if in_stock:
        qs = qs.filter(stock__quantity__gt=0)
    return qs.order_by(*SORTS.get(sort, SORTS["name"]))
