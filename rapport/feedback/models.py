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


class SurveyKind(models.TextChoices):
    CSAT_DELIVERY = "csat_delivery", _("Satisfaction after delivery")
    CSAT_TICKET = "csat_ticket", _("Satisfaction after a ticket")
    NPS = "nps", _("Net promoter score")


# The scores a survey of each kind offers: CSAT 1-5, NPS 0-10.
SURVEY_SCORES = {
    SurveyKind.CSAT_DELIVERY: range(1, 6),
    SurveyKind.CSAT_TICKET: range(1, 6),
    SurveyKind.NPS: range(0, 11),
}


class Survey(PublicIdModel, TimeStampedModel):
    """One survey sent to one customer about one thing (an order, a ticket, a quarter), with its
    answer: a later click on another score of the same mail updates it, never adds a second."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="surveys"
    )
    kind = models.CharField(max_length=16, choices=SurveyKind.choices)
    # What the survey is about, unique per kind: "order:<pk>", "ticket:<pk>", "case:<pk>",
    # "2026Q4:<customer pk>". A second trigger for the same thing sends nothing.
    about = models.CharField(max_length=64)
    # Shown to the customer and staff: the order or ticket number, or the quarter.
    about_label = models.CharField(max_length=64, blank=True)
    message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "about"], name="survey_once_per_subject"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__lte=10),
                name="survey_score_0_10",
            ),
        ]
        indexes = [models.Index(fields=["kind", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.about} ({self.score})"
