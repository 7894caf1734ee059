"""Search results and the search box's autocomplete (an htmx fragment)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rapport.catalog.search import MAX_QUERY, autocomplete, search_products

PAGE_SIZE = 24


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY].strip()
    page = Paginator(search_products(query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "storefront/search.html", {"query": query, "page": page})


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY].strip()
    return render(
        request, "storefront/_suggestions.html", {"query": query, "items": autocomplete(query)}
    )
