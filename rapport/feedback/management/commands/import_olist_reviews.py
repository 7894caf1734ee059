"""Show the imported Olist reviews (one per order) as reviews of the products in the order.

Idempotent: a review already copied (same product and Olist review id) is skipped; the rating
summaries of the products touched are recounted at the end.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from rapport.catalog.models import Product
from rapport.feedback.models import ProductReview
from rapport.feedback.services import refresh_summary
from rapport.orders.models import LineKind, OrderLine, Review

BATCH = 2000


class Command(BaseCommand):
    help = "Copy imported (Olist) order reviews onto the products of each order."

    def handle(self, *args: Any, **options: Any) -> None:
        reviews = (
            Review.objects.filter(order__isnull=False)
            .exclude(source="web")
            .select_related("order")
            .order_by("id")
        )
        created, touched = 0, set()
        batch: list[ProductReview] = []
        for review in reviews.iterator(chunk_size=BATCH):
            lines = OrderLine.objects.filter(
                order=review.order, kind=LineKind.PRODUCT, product__isnull=False
            ).values_list("product_id", flat=True)
            text = "\n".join(t for t in (review.title.strip(), review.text.strip()) if t)
            for product_id in set(lines):
                batch.append(
                    ProductReview(
                        product_id=product_id,
                        customer_id=review.order.customer_id if review.order else None,
                        stars=review.score,
                        text=text,
                        source=review.source or "olist",
                        external_id=review.external_id or f"review-{review.pk}",
                        written_at=review.written_at or review.created_at or timezone.now(),
                    )
                )
                touched.add(product_id)
            if len(batch) >= BATCH:
                created += self._flush(batch)
        created += self._flush(batch)
        with transaction.atomic():
            for product in Product.objects.filter(pk__in=touched).order_by("pk"):
                refresh_summary(product)
        self.stdout.write(f"{created} product reviews copied; {len(touched)} products rated.")

    def _flush(self, batch: list[ProductReview]) -> int:
        if not batch:
            return 0
        before = ProductReview.objects.count()
        ProductReview.objects.bulk_create(batch, ignore_conflicts=True)
        batch.clear()
        return ProductReview.objects.count() - before
