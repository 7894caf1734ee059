"""The product page's delivery range (issue 16), an htmx fragment loaded after the page so the
shared cached copy of the product page is neither slowed nor personalised."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from rapport.catalog.queries import sellable_products
from rapport.checkout.shipping import METHODS
from rapport.delivery.services import promise_for_product
from rapport.recommendations.queries import customer_for_user


@require_GET
def estimate(request: HttpRequest, public_id: str) -> HttpResponse:
    product = get_object_or_404(sellable_products(), public_id=public_id)
    postcode = request.GET.get("postcode", "").strip()[:20]
    customer = None if postcode else customer_for_user(request.user)
    # The standard method's working days off route, so the page and the checkout agree.
    promise = promise_for_product(
        product, postcode=postcode, customer=customer, transit=METHODS["standard"].transit
    )
    response = render(
        request,
        "delivery/_estimate_fragment.html",
        {
            "promise": promise,
            "postcode": postcode,
            "delivery_url": reverse("storefront:delivery_estimate", args=[product.public_id]),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response
