"""Reads of the catalogue for the storefront."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from rapport.catalog.models import Category, Product


def sellable_products() -> QuerySet[Product]:
    """Products a customer may see: on sale and priced."""
    return Product.objects.filter(is_active=True, price__isnull=False, price__gt=0)


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
    """Best sellers by number of order lines; falls back to newest products on an empty history."""
    from rapport.orders.models import OrderKind, OrderLine

    top_ids = list(
        OrderLine.objects.filter(
            product__isnull=False,
            order__kind=OrderKind.ORDER,
            product__is_active=True,
            product__price__gt=0,
        )
        .values("product_id")
        .annotate(n=Count("id"))
        .order_by("-n", "product_id")
        .values_list("product_id", flat=True)[:limit]
    )
    if top_ids:
        by_id = sellable_products().select_related("category").in_bulk(top_ids)
        return [by_id[pk] for pk in top_ids if pk in by_id]
    return list(sellable_products().select_related("category").order_by("-created_at")[:limit])
