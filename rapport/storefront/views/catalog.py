"""Browsing the catalogue: home, category, product."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from rapport.catalog import queries
from rapport.catalog.models import Category

PAGE_SIZE = 24


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "storefront/home.html",
        {
            "categories": queries.category_tree(),
            "featured": queries.featured_products(limit=12),
        },
    )


@require_GET
def category(request: HttpRequest, slug: str) -> HttpResponse:
    cat = get_object_or_404(Category.objects.select_related("parent"), slug=slug)
    paginator = Paginator(queries.products_in_category(cat), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "storefront/category.html",
        {
            "category": cat,
            "subcategories": cat.children.order_by("position", "name"),
            "page": page,
        },
    )


@require_GET
def product(request: HttpRequest, public_id: str, slug: str | None = None) -> HttpResponse:
    item = get_object_or_404(
        queries.sellable_products().select_related("category", "category__parent"),
        public_id=public_id,
    )
    if slug != item.slug:
        return redirect(item.get_absolute_url(), permanent=True)
    return render(request, "storefront/product.html", {"product": item})


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    # The staff entrance is deliberately not named here: listing it would advertise it.
    lines = ["User-agent: *", "Disallow: /account/", "Disallow: /cart/", "Disallow: /checkout/"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
