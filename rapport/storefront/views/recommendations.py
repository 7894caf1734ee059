"""Suggestion fragments (cross-sell, issue 6), loaded by htmx after the page so the product and
cart pages keep their query budgets and the shared product-page cache never holds them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from rapport.cart.access import cart_view_for
from rapport.catalog.queries import sellable_products
from rapport.recommendations import queries

TEMPLATE = "storefront/recommendations/_fragment.html"


@require_GET
def for_product(request: HttpRequest, public_id: str) -> HttpResponse:
    product = get_object_or_404(sellable_products(), public_id=public_id)
    customer = queries.customer_for_user(request.user)
    suggestions = queries.for_product(product, customer=customer)
    return render(request, TEMPLATE, {"suggestions": suggestions, "kind": "product"})


@require_GET
def for_cart(request: HttpRequest) -> HttpResponse:
    view = cart_view_for(request)
    customer = queries.customer_for_user(request.user)
    suggestions = queries.for_cart(view, customer=customer) if view.lines else []
    return render(request, TEMPLATE, {"suggestions": suggestions, "kind": "cart"})


@require_GET
def for_you(request: HttpRequest) -> HttpResponse:
    customer = queries.customer_for_user(request.user)
    suggestions = queries.for_returning_customer(customer)
    return render(request, TEMPLATE, {"suggestions": suggestions, "kind": "returning"})
