"""Draft orders: an order being prepared (often offline) for a customer, not yet placed.

A draft has a version counter that every change raises, so a device editing an old copy is
told of the conflict instead of overwriting (`services.DraftConflict`). Its public id may be
chosen by the client that created it offline. Placing it makes exactly one order
(`DraftOrder.order`) through checkout's normal path.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel


class DraftStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PLACED = "placed", _("Placed")
    DISCARDED = "discarded", _("Discarded")


class DraftOrder(PublicIdModel, TimeStampedModel):
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="draft_orders"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DraftStatus.choices, default=DraftStatus.OPEN
    )
    version = models.PositiveIntegerField(default=1)
    # Exactly one order per draft: the database refuses a second.
    order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="draft"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("draft order")
        verbose_name_plural = _("draft orders")
        indexes = [
            models.Index(fields=["updated_at", "id"], name="draft_sync"),
            models.Index(fields=["customer", "-updated_at"], name="draft_customer"),
        ]

    def __str__(self) -> str:
        return f"Draft {str(self.public_id)[:8]}"

    @property
    def is_open(self) -> bool:
        return self.status == DraftStatus.OPEN


class DraftLine(models.Model):
    draft = models.ForeignKey(DraftOrder, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["draft", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "product"], name="draft_line_one_product"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="draft_line_qty_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"
