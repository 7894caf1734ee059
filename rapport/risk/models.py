"""Order risk in the store: the assessment of each order, the manager's rules and threshold, and
what the store records about the client at checkout (for the fraud signals)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel


class RiskSettings(models.Model):
    """One row (pk=1): the score from which an order is held for review."""

    hold_threshold = models.PositiveSmallIntegerField(_("hold threshold"), default=60)
    updated_at = models.DateTimeField(auto_now=True)
    # When the hourly task last started recounting the histories of customers whose orders
    # changed (`history.refresh_changed`); None until the first run, which counts everyone.
    histories_counted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hold_threshold__lte=100), name="risk_threshold_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"Hold from {self.hold_threshold}"


class FraudRule(models.Model):
    """A manager-editable fraud signal: fires on a condition (its `parameter`), adds `weight`."""

    code = models.CharField(max_length=40, unique=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=20)
    parameter = models.DecimalField(_("parameter"), max_digits=12, decimal_places=2, default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__lte=100), name="fraud_rule_weight_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return self.code


class Sighting(models.Model):
    """Who placed an order, or had a card declined, from which address and browser."""

    class Kind(models.TextChoices):
        ORDER = "order", _("Order placed")
        DECLINE = "decline", _("Card declined")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # A hash of the browser's signature (user agent + languages): no raw fingerprint is kept.
    device = models.CharField(max_length=64, blank=True)
    ip_country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["device", "created_at"]),
            models.Index(fields=["ip_address", "created_at"]),
            models.Index(fields=["user", "kind", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class ReviewStatus(models.TextChoices):
    CLEAR = "clear", _("Clear")
    HELD = "held", _("Held for review")
    APPROVED = "approved", _("Approved")
    CANCELLED = "cancelled", _("Cancelled")


class RiskAssessment(TimeStampedModel):
    """The risk of one order at placement, its reasons, and the review decision (a label)."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="risk")
    # P(cancelled/refused/returned) from the learned model (None: no model file yet).
    stick_probability = models.FloatField(null=True, blank=True)
    # The feature values, so reasons are worded in the reader's language when shown.
    features = models.JSONField(default=dict)
    fraud_score = models.PositiveSmallIntegerField(default=0)
    # Fired rules: [{"code", "weight", "value"}].
    fraud_signals = models.JSONField(default=list)
    score = models.PositiveSmallIntegerField(db_index=True)
    threshold = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, db_index=True)
    model_version = models.CharField(max_length=80, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-score", "-created_at"]
        # The review queue: one status, riskiest first (a million orders, a few held).
        indexes = [models.Index(fields=["status", "-score", "-created_at"])]

    def __str__(self) -> str:
        return f"Risk {self.score} of order {self.order_id}"


class CancellationCount(models.Model):
    """How often one product (its SKU: sale lines and cancelled lines) or one country (sale
    orders and cancellations) was sold and cancelled, counted by the hourly task
    (`counts.count_cancellations`) so scoring an order reads a few rows instead of counting."""

    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        COUNTRY = "country", _("Country")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=80, blank=True)
    sold = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    counted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="cancellation_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}: {self.cancelled}/{self.sold}"


class RiskHistory(models.Model):
    """One customer's past orders as scoring reads them (`features.CustomerHistory`), kept up to
    date in the transaction that places an order (`history.note_order_placed`), cancels one or
    moves orders between customers (`history.refresh`), and recounted by the hourly task for
    customers whose orders changed another way (imports): scoring reads this one row by key
    instead of counting the customer's orders and lines (docs/order-risk.md)."""

    customer = models.OneToOneField(
        "customers.Customer", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # Sale orders (any status), their product lines and total value.
    orders = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0)
    sold_value = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    # Credit notes and cancelled sale orders; of those, the cancelled sale orders.
    cancellations = models.PositiveIntegerField(default=0)
    cancelled_orders = models.PositiveIntegerField(default=0)
    cancelled_value = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    first_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)
    last_cancellation_at = models.DateTimeField(null=True, blank=True)
    # When the sale orders of the last 30 days were placed (ISO timestamps, newest last, at most
    # `history.RECENT_MAX`), and the product codes of the cancelled orders and credit notes (at
    # most `history.CODES_MAX`).
    recent_orders = models.JSONField(default=list)
    cancelled_codes = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"History of customer {self.customer_id}: {self.orders} order(s)"
