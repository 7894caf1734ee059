"""Search results and the search box's autocomplete (an htmx fragment)."""

from __future__ import annotations

import hashlib

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from rapport.catalog.cache import version as catalogue_version
from rapport.catalog.search import MAX_QUERY, autocomplete, search_products, words

PAGE_SIZE = 24


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY].strip()
    number = request.GET.get("page")
    # Lazy: the search runs only when the cached results fragment is stale.
    page = SimpleLazyObject(lambda: Paginator(search_products(query), PAGE_SIZE).get_page(number))
    return render(
        request,
        "storefront/search.html",
        {
            "query": query,
            "page": page,
            "results_key": hashlib.sha256(
                f"{' '.join(words(query))}|{number}".encode()
            ).hexdigest(),
            "catalogue_version": catalogue_version(),
        },
    )


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY].strip()
    return render(
        request, "storefront/_suggestions.html", {"query": query, "items": autocomplete(query)}
    )
