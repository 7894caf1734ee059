"""Review reads for product pages and the portal."""

from __future__ import annotations

from django.db.models import QuerySet

from rapport.catalog.models import Product
from rapport.feedback.models import ProductReview, RatingSummary, ReviewStatus


def summary_for(product: Product) -> RatingSummary | None:
    return RatingSummary.objects.filter(product=product, count__gt=0).first()


def published_reviews(product: Product, *, limit: int = 20) -> list[ProductReview]:
    """The newest published reviews of a product (written here and imported)."""
    return list(
        ProductReview.objects.filter(product=product, status=ReviewStatus.PUBLISHED).order_by(
            "-written_at", "-id"
        )[:limit]
    )


def review_of(product: Product, customer_id: int | None) -> ProductReview | None:
    if customer_id is None:
        return None
    return ProductReview.objects.filter(product=product, customer_id=customer_id).first()


def staff_reviews(status: str = "") -> QuerySet[ProductReview]:
    reviews = ProductReview.objects.select_related("product", "customer")
    return reviews.filter(status=status) if status else reviews
