"""Reads of the catalogue for the storefront."""

from __future__ import annotations

import functools
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple, TypedDict
from uuid import UUID

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet

from rapport.catalog.cache import version as catalogue_version
from rapport.catalog.models import SELLABLE, Category, Product, is_sellable
from rapport.core.sql import Columns, column, db_value, table
from rapport.inventory.models import StockRecord

# How long the category tree and per-category counts stay cached (a catalogue version bump
# refreshes them at once): as long as a cached listing page, so a page and its count agree.
CATEGORY_INDEX_TTL = 60


def sellable_products() -> QuerySet[Product]:
    """Products a customer may see: on sale and priced (the condition of the listing indexes)."""
    return Product.objects.filter(SELLABLE)


# What adding to a cart reads of the product a form names: the id, whether it is on sale, the
# price, the name for the message and the slug for the way back. Hand-written like the cart
# page's query (`rapport.core.sql`): every add runs it.
_FOR_CART = Columns(
    ("p", Product, "id"),
    ("p", Product, "public_id"),
    ("p", Product, "name"),
    ("p", Product, "slug"),
    ("p", Product, "price"),
    ("p", Product, "is_active"),
    ("p", Product, "built_to_order"),
)


def product_for_cart(public_id: UUID) -> Product | None:
    """The product `public_id`, with the columns a cart change needs (others deferred), on sale
    or not (`Product.is_sellable` tells), or None."""
    sql = (
        f"SELECT {_FOR_CART.sql} FROM {table(Product)} p"  # noqa: S608
        f" WHERE p.{column(Product, 'public_id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [db_value(Product, "public_id", public_id)])
        row = cursor.fetchone()
    return _FOR_CART.instance(Product, row) if row else None


# What the product page shows (storefront/product.html and the tags it uses), read in one
# hand-written statement like the cart's (`rapport.core.sql`): the ORM took longer to build and
# compile this four-table join than the database took to answer it, on the storefront's most
# visited page. Anything else the template reads would cost a query per page (the storefront's
# query-count test would catch it).
_PAGE_PRODUCT = Columns(
    *(
        ("p", Product, name)
        for name in (
            "id",
            "public_id",
            "sku",
            "name",
            "slug",
            "description",
            "price",
            "currency",
            "image",
            "is_active",
            "updated_at",
            "category",
            "built_to_order",
            "rating_count",
            "rating_average",
        )
    )
)
# `updated_at` of both: part of the page's HTTP validator (`storefront.views.catalog`).
_PAGE_CATEGORY = Columns(
    *(
        ("c", Category, name)
        for name in ("id", "name", "slug", "parent", "external_key", "updated_at")
    )
)
_PAGE_PARENT = Columns(*(("pc", Category, name) for name in ("id", "name", "slug", "updated_at")))


class ProductPage(NamedTuple):
    product: Product  # its category, and the category's parent, attached
    in_stock: int


@functools.cache
def _page_sql(vendor: str) -> str:
    product, category, stock = (
        functools.partial(column, Product),
        functools.partial(column, Category),
        functools.partial(column, StockRecord),
    )
    return (
        f"SELECT {_PAGE_PRODUCT.sql}, {_PAGE_CATEGORY.sql}, {_PAGE_PARENT.sql},"  # noqa: S608
        f" s.{stock('quantity')} FROM {table(Product)} p"
        f" LEFT JOIN {table(Category)} c ON c.{category('id')} = p.{product('category')}"
        f" LEFT JOIN {table(Category)} pc ON pc.{category('id')} = c.{category('parent')}"
        f" LEFT JOIN {table(StockRecord)} s ON s.{stock('product')} = p.{product('id')}"
        f" WHERE p.{product('public_id')} = %s"
    )


def product_page(public_id: UUID) -> ProductPage | None:
    """The sellable product `public_id` with what its page shows (`_PAGE_PRODUCT`; the rest
    deferred), its category and that category's parent attached, and the units in stock; None
    when there is no such product or it is not for sale. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_page_sql(connection.vendor), [db_value(Product, "public_id", public_id)])
        row = cursor.fetchone()
    if row is None:
        return None
    after_product = len(_PAGE_PRODUCT.selected)
    after_category = after_product + len(_PAGE_CATEGORY.selected)
    product = _PAGE_PRODUCT.instance(Product, row[:after_product])
    if not product.is_sellable:
        return None
    category_row, parent_row = row[after_product:after_category], row[after_category:-1]
    category = None
    if category_row[0] is not None:
        category = _PAGE_CATEGORY.instance(Category, category_row)
        category.parent = (
            _PAGE_PARENT.instance(Category, parent_row) if parent_row[0] is not None else None
        )
    product.category = category
    return ProductPage(product, row[-1] or 0)


_PAGE_STATE = Columns(
    ("p", Product, "slug"),
    ("p", Product, "updated_at"),
    ("s", StockRecord, "quantity"),
    ("p", Product, "is_active"),
    ("p", Product, "price"),
)


@functools.cache
def _state_sql(vendor: str) -> str:
    return (
        f"SELECT {_PAGE_STATE.sql} FROM {table(Product)} p"  # noqa: S608
        f" LEFT JOIN {table(StockRecord)} s"
        f" ON s.{column(StockRecord, 'product')} = p.{column(Product, 'id')}"
        f" WHERE p.{column(Product, 'public_id')} = %s"
    )


def product_page_state(public_id: UUID) -> tuple[str, datetime, int] | None:
    """What a cached product page depends on besides the catalogue version, in one small query:
    the slug, `updated_at` and units in stock of a sellable product; None if it is not for sale.
    (Every edit of what the page shows moves `updated_at`.)"""
    with connection.cursor() as cursor:
        cursor.execute(_state_sql(connection.vendor), [db_value(Product, "public_id", public_id)])
        row = cursor.fetchone()
    if row is None:
        return None
    slug, updated_at, quantity, is_active, price = _PAGE_STATE.convert(row)
    if not is_sellable(is_active, price):
        return None
    return slug, updated_at, quantity or 0


class ProductValidatorState(NamedTuple):
    page: tuple[str, datetime, int]  # as `product_page_state`: slug, updated_at, units in stock
    built_to_order: bool  # set by the configurator without moving `updated_at`
    category: datetime | None  # the category's and its parent's `updated_at` (breadcrumb,
    parent: datetime | None  # the picture's drawing)


_VALIDATOR_STATE = Columns(
    ("p", Product, "slug"),
    ("p", Product, "updated_at"),
    ("s", StockRecord, "quantity"),
    ("p", Product, "is_active"),
    ("p", Product, "price"),
    ("p", Product, "built_to_order"),
    ("c", Category, "updated_at"),
    ("cp", Category, "updated_at"),
)


def _validator_sql() -> str:
    category, product_id = column(Category, "id"), column(Product, "id")
    return (
        f"SELECT {_VALIDATOR_STATE.sql} FROM {table(Product)} p"  # noqa: S608
        f" LEFT JOIN {table(StockRecord)} s ON s.{column(StockRecord, 'product')} = p.{product_id}"
        f" LEFT JOIN {table(Category)} c ON c.{category} = p.{column(Product, 'category')}"
        f" LEFT JOIN {table(Category)} cp ON cp.{category} = c.{column(Category, 'parent')}"
        f" WHERE p.{column(Product, 'public_id')} = %s"
    )


def product_validator_state(public_id: UUID) -> ProductValidatorState | None:
    """Everything a sellable product's shared page is drawn from, in one small hand-written
    query (the ORM's took 0.8 ms of CPU, this 0.2), for its HTTP validator:
    `product_page_state`'s slug, `updated_at` and stock, and the rows outside the product that
    the page shows (its category and the category's parent). Unlike the page cache this leaves
    the catalogue version out, so an edit of another product does not change this page's
    validator. None if the product is not for sale."""
    with connection.cursor() as cursor:
        cursor.execute(_validator_sql(), [db_value(Product, "public_id", public_id)])
        row = cursor.fetchone()
    if row is None:
        return None
    slug, updated_at, quantity, is_active, price, built_to_order, category, parent = (
        _VALIDATOR_STATE.convert(row)
    )
    if not is_sellable(is_active, price):
        return None
    return ProductValidatorState(
        (slug, updated_at, quantity or 0), built_to_order, category, parent
    )


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


class CategoryIndex(TypedDict):
    children: dict[int, list[int]]
    counts: dict[int, int]


def category_index() -> CategoryIndex:
    """The category tree as child ids per category and the sellable products directly in each
    category: two queries, cached under the catalogue version for `CATEGORY_INDEX_TTL` seconds
    (may lag that long behind changes that do not bump the version, like the listing pages)."""
    key = f"catalog:category-index:{catalogue_version()}"
    index: CategoryIndex | None = cache.get(key)
    if index is None:
        children: dict[int, list[int]] = {}
        for pk, parent_id in Category.objects.order_by().values_list("pk", "parent_id"):
            if parent_id is not None:
                children.setdefault(parent_id, []).append(pk)
        counts = dict(
            sellable_products()
            .filter(category__isnull=False)
            .order_by()
            .values("category_id")
            .annotate(n=Count("pk"))
            .values_list("category_id", "n")
        )
        index = {"children": children, "counts": counts}
        cache.set(key, index, CATEGORY_INDEX_TTL)
    return index


def subtree_ids(category: Category, index: CategoryIndex | None = None) -> list[int]:
    """The category and every category below it, from the cached `category_index`."""
    children = (index or category_index())["children"]
    ids = [category.pk]
    for pk in ids:  # grows while it is walked: breadth first
        ids.extend(children.get(pk, ()))
    return ids


def listing_count(
    category: Category,
    *,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    in_stock: bool = False,
) -> int | None:
    """The number of sellable products in the category and its subcategories, from the cached
    per-category counts, when the listing has no filter; None when it has one (the caller
    counts the filtered query). Saves an exact COUNT over a 30,000-product department on every
    page."""
    if min_price is not None or max_price is not None or in_stock:
        return None
    index = category_index()
    return sum(index["counts"].get(pk, 0) for pk in subtree_ids(category, index))


def page_of(products: QuerySet[Product], start: int, stop: int) -> list[Product]:
    """Rows `start`..`stop` of an ordered listing (from `filtered_products`), in one query: the
    page's keys come from an inner query that the listing indexes answer on their own, then
    only those rows are read (a "deferred join"), so page 200 does not fetch the 4,776 rows it
    skips."""
    keys = products.values("pk")[start:stop]
    return list(
        Product.objects.filter(pk__in=keys)
        .select_related("category")
        .order_by(*products.query.order_by)
    )


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
    "-price": ("-price", "-pk"),  # backwards on the price indexes
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
    availability, in one of `SORTS` (unknown sort keys fall back to name). Page it with
    `page_of` (one query per page) and count it with `listing_count`; the category is joined
    for the cards."""
    qs = sellable_products().select_related("category")
    if category is not None:
        qs = qs.filter(category_id__in=subtree_ids(category))
    if min_price is not None:
        qs = qs.filter(price__gte=min_price)
    if max_price is not None:
        qs = qs.filter(price__lte=max_price)
    if in_stock:
        qs = qs.filter(stock__quantity__gt=0)
    return qs.order_by(*SORTS.get(sort, SORTS["name"]))


def retired_product(public_id: UUID) -> Product | None:
    """A retired product (its page answers with an "archived" notice), with its successor."""
    return (
        Product.objects.filter(public_id=public_id, retired_at__isnull=False)
        .select_related("successor", "category")
        .first()
    )
