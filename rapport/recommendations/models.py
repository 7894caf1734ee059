"""Cross-sell: mined association rules, manager knowledge rules, consumables and bundles."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import TimeStampedModel
from rapport.core.money import MoneyField


class MiningSettings(models.Model):
    """The one row of thresholds managers tune (pk=1). Fractions are of all baskets."""

    min_support = models.DecimalField(
        _("minimum support"),
        max_digits=7,
        decimal_places=6,
        default=Decimal("0.005"),
        validators=[MinValueValidator(Decimal("0.000001")), MaxValueValidator(1)],
    )
    min_confidence = models.DecimalField(
        _("minimum confidence"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.2"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    min_lift = models.DecimalField(
        _("minimum lift"),
        max_digits=8,
        decimal_places=3,
        default=Decimal("1.5"),
        validators=[MinValueValidator(0)],
    )
    top_n = models.PositiveSmallIntegerField(
        _("rules kept per product"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "Mining settings"


class MiningState(models.Model):
    """What the last mining run counted (pk=1), so new orders can be added without a recount.

    `counts` is an .npz blob: the product ids, each product's basket count and the upper
    triangle of the pair co-occurrence matrix (scipy.sparse CSR).
    """

    baskets = models.PositiveIntegerField(default=0)
    last_order_id = models.BigIntegerField(default=0)
    counts = models.BinaryField(blank=True, default=b"")
    full_run_at = models.DateTimeField(null=True, blank=True)
    incremental_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Mining state ({self.baskets} baskets)"


class ProductRule(models.Model):
    """'Buyers of `antecedent` also buy `consequent`', one of the top-N per antecedent."""

    antecedent = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    consequent = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    pair_count = models.PositiveIntegerField()
    support = models.FloatField()
    confidence = models.FloatField()
    lift = models.FloatField()
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["antecedent", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["antecedent", "consequent"], name="reco_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.antecedent_id} → {self.consequent_id} ({self.confidence:.2f})"


class CategoryRule(models.Model):
    """The same rule one level up: baskets holding category A often hold category B."""

    antecedent = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, related_name="+")
    consequent = models.ForeignKey("catalog.Category", on_delete=models.CASCADE, related_name="+")
    pair_count = models.PositiveIntegerField()
    support = models.FloatField()
    confidence = models.FloatField()
    lift = models.FloatField()
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["antecedent", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["antecedent", "consequent"], name="reco_category_rule_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.antecedent_id} → {self.consequent_id} ({self.confidence:.2f})"


class PriceTier(models.TextChoices):
    ANY = "", _("any price")
    PREMIUM = "premium", _("top fifth of the category's prices")


class KnowledgeRule(TimeStampedModel):
    """A manager's rule: buyers of `source` [in a segment | at a price tier] → suggest `target`."""

    source = models.ForeignKey(
        "catalog.Category", on_delete=models.CASCADE, related_name="+", verbose_name=_("bought")
    )
    segment = models.ForeignKey(
        "segments.Segment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("segment"),
    )
    price_tier = models.CharField(
        _("price tier"), max_length=10, choices=PriceTier.choices, default=PriceTier.ANY, blank=True
    )
    target = models.ForeignKey(
        "catalog.Category", on_delete=models.CASCADE, related_name="+", verbose_name=_("suggest")
    )
    # Optional wording shown instead of the built-in (translated) reason; staff write it in the
    # shop's language.
    reason = models.CharField(_("reason shown"), max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["source__name", "target__name", "id"]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"


class Consumable(models.Model):
    """A product or a whole category people buy again: it may be suggested after a purchase."""

    product = models.OneToOneField(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.OneToOneField(
        "catalog.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(product__isnull=True) & models.Q(category__isnull=False))
                | (models.Q(product__isnull=False) & models.Q(category__isnull=True)),
                name="reco_consumable_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"Consumable {self.product_id or self.category_id}"


class BundleStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUGGESTED = "suggested", _("Suggested")
    REJECTED = "rejected", _("Rejected")
    RETIRED = "retired", _("Retired")


class Bundle(TimeStampedModel):
    """Products sold together for one price, applied in the cart per complete set."""

    name = models.CharField(_("name"), max_length=120)
    price = MoneyField(_("bundle price"), null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=BundleStatus.choices, default=BundleStatus.ACTIVE, db_index=True
    )
    # For suggested bundles: the rule that proposed it.
    confidence = models.FloatField(null=True, blank=True)
    lift = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="active") | models.Q(price__gt=0),
                name="reco_bundle_active_has_price",
            )
        ]

    def __str__(self) -> str:
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["bundle", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "product"], name="reco_bundle_item_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="reco_bundle_qty"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"


class FollowUp(models.Model):
    """One cross-sell email per order at most: the row is written with the queued message."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Follow-up for order {self.order_id}: {self.outcome}"


class CustomerPicks(models.Model):
    """A customer's stored next-basket list (`nextbasket.py`), best first, refreshed in bulk.

    `items` is a list of `[product id, reason code, reason value]`; the reason is worded at
    display time in the visitor's language (`picks.REASONS`).
    """

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    items = models.JSONField(default=list)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Picks for customer {self.customer_id} ({len(self.items)})"
