"""Stock per product and the ledger of every move (M1: stock is never oversold)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StockRecord(models.Model):
    """How many units of a product can still be sold. A product without a record has none."""

    product = models.OneToOneField(
        "catalog.Product", on_delete=models.CASCADE, related_name="stock", primary_key=True
    )
    quantity = models.IntegerField(_("units in stock"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("stock record")
        constraints = [
            # The last line of defence against overselling: the database refuses a negative count.
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="stock_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.quantity}"


class MoveReason(models.TextChoices):
    SALE = "sale", _("Sold")
    ADJUSTMENT = "adjustment", _("Adjustment")
    RESTOCK = "restock", _("Restock")
    CANCELLATION = "cancellation", _("Order cancelled")


class StockMove(models.Model):
    """One change to a product's stock; the sum of deltas explains the current quantity."""

    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    delta = models.IntegerField()
    quantity_after = models.IntegerField()
    reason = models.CharField(max_length=16, choices=MoveReason.choices)
    note = models.CharField(max_length=255, blank=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="stock_moves"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["product", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.product_id} {self.delta:+d} ({self.reason})"
