"""Product reviews in the store: a fragment loaded after the (cached) product page, and writing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from rapport.accounts.roles import is_employee
from rapport.catalog.queries import sellable_products
from rapport.customers.models import Customer
from rapport.feedback import queries
from rapport.feedback.services import ReviewError, has_received, write_review


def _customer(request: HttpRequest) -> Customer | None:
    if not request.user.is_authenticated or is_employee(request.user):
        return None
    return Customer.objects.filter(user=request.user, erased_at__isnull=True).first()


@require_GET
def product_reviews(request: HttpRequest, public_id: str) -> HttpResponse:
    """The product's rating and reviews, filled into the product page after it loads, so the
    page itself stays one query and its shared cached copy holds no reviews."""
    product = get_object_or_404(sellable_products(), public_id=public_id)
    customer = _customer(request)
    own = queries.review_of(product, customer.pk if customer else None)
    return render(
        request,
        "storefront/reviews/_fragment.html",
        {
            "product": product,
            "summary": queries.summary_for(product),
            "reviews": queries.published_reviews(product),
            "can_review": customer is not None and own is None and has_received(customer, product),
            "own": own,
        },
    )


@login_required
@require_POST
def review_write(request: HttpRequest, public_id: str) -> HttpResponse:
    product = get_object_or_404(sellable_products(), public_id=public_id)
    customer = _customer(request)
    try:
        if customer is None:
            raise ReviewError("")
        stars = int(request.POST.get("stars", "0") or 0)
        write_review(
            customer=customer,
            product=product,
            stars=stars,
            text=request.POST.get("text", ""),
            actor=request.user,
        )
    except (ReviewError, ValueError) as exc:
        messages.error(request, str(exc) or "—")
    else:
        from django.utils.translation import gettext as _

        messages.success(request, _("Thank you for your review."))
    return redirect(product.get_absolute_url())
