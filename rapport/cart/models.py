"""Shopping carts: one open cart per signed-in user, anonymous carts found through the session."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel
from rapport.core.money import MoneyField


class CartStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MERGED = "merged", _("Merged into another cart")
    ORDERED = "ordered", _("Ordered")


class Cart(PublicIdModel, TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="carts",
    )
    status = models.CharField(max_length=10, choices=CartStatus.choices, default=CartStatus.OPEN)

    class Meta:
        verbose_name = _("cart")
        constraints = [
            # A signed-in user's cart is found from any device: there is only ever one open.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="open", user__isnull=False),
                name="cart_one_open_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"Cart {self.public_id}"

    @property
    def is_open(self) -> bool:
        return self.status == CartStatus.OPEN


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    # The price the customer saw when adding: a later change is flagged, never silently applied.
    price_seen = MoneyField()
    added_at = models.DateTimeField(auto_now_add=True)
    # A configured product (`configurator`): its choice and printed summary, the options' price
    # difference added to the product's unit price, and the key that tells two configurations
    # of one product apart (two lines). Empty for an ordinary product.
    configuration = models.JSONField(default=dict, blank=True)
    configuration_key = models.CharField(max_length=32, blank=True, default="")
    configuration_delta = MoneyField(default=0)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "product", "configuration_key"], name="cart_line_unique_product"
            ),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cart_line_qty_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"
