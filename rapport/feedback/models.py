"""Product reviews written in the store or imported (Olist), and each product's rating summary."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel


class ReviewStatus(models.TextChoices):
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden by staff")


class ProductReview(PublicIdModel, TimeStampedModel):
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="product_reviews"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="product_reviews",
    )
    stars = models.PositiveSmallIntegerField(_("stars"))
    text = models.TextField(_("review"), blank=True)
    author_name = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PUBLISHED, db_index=True
    )
    staff_reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "web" for reviews written here; "olist" for reviews imported with the Olist orders.
    source = models.CharField(max_length=16, default="web")
    external_id = models.CharField(max_length=64, blank=True)
    written_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-written_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5), name="product_review_stars_1_5"
            ),
            # A customer reviews a product once.
            models.UniqueConstraint(
                fields=["product", "customer"],
                condition=models.Q(source="web"),
                name="product_review_once_per_customer",
            ),
            models.UniqueConstraint(
                fields=["product", "source", "external_id"],
                condition=~models.Q(external_id=""),
                name="product_review_external_once",
            ),
        ]
        indexes = [models.Index(fields=["product", "status", "written_at"])]

    def __str__(self) -> str:
        return f"{self.stars}★ on {self.product_id}"


class RatingSummary(models.Model):
    """Count and average of a product's published reviews, kept by the review services so a
    product page or card reads one row instead of aggregating reviews."""

    product = models.OneToOneField(
        "catalog.Product", on_delete=models.CASCADE, related_name="rating_summary"
    )
    count = models.PositiveIntegerField(default=0)
    average = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))

    def __str__(self) -> str:
        return f"{self.product_id}: {self.average} ({self.count})"
