"""Price lists: customer-specific prices and quantity tiers (see docs/pricing.md).

A list applies to the customers it names, to the members of one segment and/or to one VIP tier,
between its validity dates. Each item gives one product, from a minimum quantity on, either a
fixed unit price or a percentage off the product's list price.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel
from rapport.core.money import MoneyField
from rapport.customervalue.models import VipTier


class PriceList(PublicIdModel, TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    # Only breaks ties: the customer always gets the lowest price any of their lists gives.
    priority = models.PositiveIntegerField(
        _("priority"), default=0, help_text=_("Higher wins when two lists give the same price.")
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    vip_tier = models.CharField(
        _("VIP tier"), max_length=12, choices=VipTier.choices, blank=True, default=""
    )
    segment = models.ForeignKey(
        "segments.Segment",
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    customers = models.ManyToManyField(
        "customers.Customer", through="PriceListCustomer", related_name="+", blank=True
    )

    class Meta:
        ordering = ["-priority", "name", "id"]
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="price_list_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PriceListCustomer(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "customer"], name="price_list_customer_once"
            )
        ]
        indexes = [models.Index(fields=["customer", "price_list"])]

    def __str__(self) -> str:
        return f"{self.customer_id} on {self.price_list_id}"


class PriceListItem(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="+"
    )
    min_quantity = models.PositiveIntegerField(
        _("from quantity"), default=1, validators=[MinValueValidator(1)]
    )
    fixed_price = MoneyField(_("fixed unit price"), null=True, blank=True)
    percent_off = models.DecimalField(
        _("percentage off"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        ordering = ["product_id", "min_quantity"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product", "min_quantity"], name="price_item_tier_once"
            ),
            models.CheckConstraint(
                condition=models.Q(min_quantity__gte=1), name="price_item_min_qty_pos"
            ),
            # Exactly one rule: a fixed price (not negative) or a percentage off (0-100).
            models.CheckConstraint(
                condition=(
                    models.Q(
                        fixed_price__isnull=False, fixed_price__gte=0, percent_off__isnull=True
                    )
                    | models.Q(
                        fixed_price__isnull=True,
                        percent_off__isnull=False,
                        percent_off__gte=0,
                        percent_off__lte=100,
                    )
                ),
                name="price_item_one_rule",
            ),
        ]
        indexes = [models.Index(fields=["product", "price_list"])]

    def __str__(self) -> str:
        return f"{self.product_id} from {self.min_quantity}"
