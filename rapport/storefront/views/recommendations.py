"""Suggestion fragments (cross-sell, issue 6; next basket and buy again, issue 15), loaded by htmx
after the page so the product and cart pages keep their query budgets and the shared page caches
never hold them."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from rapport.cart.access import cart_view_for
from rapport.catalog.queries import sellable_products
from rapport.recommendations import picks, queries, tasks

TEMPLATE = "storefront/recommendations/_fragment.html"
BUY_AGAIN_TEMPLATE = "storefront/recommendations/_buy_again_list.html"
PLACES = ("home", "orders", "cart")


@require_GET
def for_product(request: HttpRequest, public_id: str) -> HttpResponse:
    product = get_object_or_404(sellable_products(), public_id=public_id)
    customer = queries.customer_for_user(request.user)
    suggestions = queries.for_product(product, customer=customer)
    bundles = queries.bundle_offers(product)
    return render(
        request, TEMPLATE, {"suggestions": suggestions, "kind": "product", "bundles": bundles}
    )


@require_GET
def for_cart(request: HttpRequest) -> HttpResponse:
    view = cart_view_for(request)
    customer = queries.customer_for_user(request.user)
    suggestions = queries.for_cart(view, customer=customer) if view.lines else []
    return render(request, TEMPLATE, {"suggestions": suggestions, "kind": "cart"})


@require_GET
def for_you(request: HttpRequest) -> HttpResponse:
    customer = queries.customer_for_user(request.user)
    if customer is None:
        return HttpResponse("")
    # The stored next-basket list; before the first refresh, the cross-sell suggestions.
    picked = picks.picked_for_you(customer)
    suggestions = picked if picked is not None else queries.for_returning_customer(customer)
    # On demand: a customer who ordered since their list was computed gets a fresh one soon
    # (queued for the worker, at most once per 10 minutes; never computed in the request).
    if (
        not settings.CELERY_TASK_ALWAYS_EAGER
        and picks.picks_are_stale(customer)
        and cache.add(f"picks-refresh:{customer.pk}", 1, 600)
    ):
        tasks.refresh_picks_task.delay(customer_ids=[customer.pk])
    return render(request, TEMPLATE, {"suggestions": suggestions, "kind": "returning"})


@require_GET
def buy_again(request: HttpRequest) -> HttpResponse:
    """ "Buy again" for a signed-in customer: on the home page, the order history and the cart
    (`?where=cart`: "you usually also order", without what is already in the cart)."""
    where = request.GET.get("where", "home")
    where = where if where in PLACES else "home"
    customer = queries.customer_for_user(request.user)
    if customer is None:
        return HttpResponse("")
    exclude = [lv["product_id"] for lv in cart_view_for(request).lines] if where == "cart" else []
    items = picks.buy_again(customer, exclude=exclude)
    return render(request, BUY_AGAIN_TEMPLATE, {"items": items, "where": where})
