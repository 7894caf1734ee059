"""Review writes: a customer reviews what they received once; staff reply and moderate."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.cache import bump_version
from rapport.catalog.models import Product
from rapport.core import audit
from rapport.customers.models import Customer
from rapport.feedback.models import ProductReview, RatingSummary, ReviewStatus
from rapport.orders.models import OrderLine, OrderStatus

MAX_TEXT = 5000


class ReviewError(Exception):
    """A review action that is refused (shown to the person as it is)."""


def has_received(customer: Customer, product: Product) -> bool:
    """True when one of the customer's orders with this product was delivered."""
    return OrderLine.objects.filter(
        product=product, order__customer=customer, order__status=OrderStatus.DELIVERED
    ).exists()


def refresh_summary(product: Product) -> RatingSummary:
    """Recount a product's published reviews into its summary row (locked while written)."""
    summary, _created = RatingSummary.objects.select_for_update().get_or_create(product=product)
    figures = ProductReview.objects.filter(
        product=product, status=ReviewStatus.PUBLISHED
    ).aggregate(n=Count("id"), avg=Avg("stars"))
    summary.count = figures["n"] or 0
    average = Decimal(str(figures["avg"] or 0))
    summary.average = average.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    summary.save(update_fields=["count", "average"])
    # The card's copy, and a new `updated_at` so cached cards and product pages are redrawn;
    # listings are cached (and validated: `storefront.views.catalog`) under the catalogue
    # version, so it moves too.
    Product.objects.filter(pk=product.pk).update(
        rating_count=summary.count, rating_average=summary.average, updated_at=timezone.now()
    )
    transaction.on_commit(bump_version)
    return summary


def write_review(
    *, customer: Customer, product: Product, stars: int, text: str, actor: Any
) -> ProductReview:
    """A customer reviews a product they received (once). Raises ReviewError for stars outside
    1 to 5, a product they have not received, or a second review; nothing is written then."""
    if stars not in range(1, 6):
        raise ReviewError(_("Give 1 to 5 stars."))
    if not has_received(customer, product):
        raise ReviewError(_("You can review products once they have been delivered to you."))
    try:
        with transaction.atomic():
            review = ProductReview.objects.create(
                product=product,
                customer=customer,
                stars=stars,
                text=text.strip()[:MAX_TEXT],
                author_name=(customer.name.split() or [""])[0][:80],
                written_at=timezone.now(),
            )
            refresh_summary(product)
            audit.record(
                action="review.written",
                actor=actor,
                target=review,
                customer=customer,
                summary=f"Reviewed {product.name}: {stars}★",
                data={"product": str(product.public_id), "stars": stars},
            )
            return review
    except IntegrityError as exc:
        raise ReviewError(_("You have already reviewed this product.")) from exc


def moderate_review(
    *, review: ProductReview, actor: Any, hide: bool | None = None, reply: str = ""
) -> ProductReview:
    """Staff hide or show a review and/or reply to it; the product's summary follows."""
    with transaction.atomic():
        locked = ProductReview.objects.select_for_update().get(pk=review.pk)
        changes = []
        if hide is not None:
            status = ReviewStatus.HIDDEN if hide else ReviewStatus.PUBLISHED
            if status != locked.status:
                locked.status = status
                changes.append(str(status))
        if reply.strip():
            locked.staff_reply = reply.strip()[:MAX_TEXT]
            locked.replied_at, locked.replied_by = timezone.now(), actor
            changes.append("reply")
        if not changes:
            return locked
        locked.save()
        refresh_summary(locked.product)
        audit.record(
            action="review.moderated",
            actor=actor,
            target=locked,
            customer=locked.customer,
            summary=f"Review of {locked.product.name}: " + ", ".join(changes),
            data={"status": locked.status},
        )
        return locked
