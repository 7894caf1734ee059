"""Orders and their lines. The state machine and placing orders come with later issues."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel
from rapport.core.money import DECIMAL_PLACES, MAX_DIGITS, MoneyField


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    PAID = "paid", _("Paid")
    PACKED = "packed", _("Packed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    RETURN_REQUESTED = "return_requested", _("Return requested")
    RETURNED = "returned", _("Returned")
    REFUNDED = "refunded", _("Refunded")


class OrderKind(models.TextChoices):
    ORDER = "order", _("Order")
    # A credit note reverses (part of) earlier sales; Online Retail's "C" invoices.
    CREDIT_NOTE = "credit_note", _("Credit note")


class Order(PublicIdModel, TimeStampedModel):
    number = models.CharField(_("order number"), max_length=40, unique=True)
    kind = models.CharField(max_length=16, choices=OrderKind.choices, default=OrderKind.ORDER)
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    currency = models.CharField(max_length=3, default=settings.RAPPORT_CURRENCY)
    total = MoneyField(_("total"), default=0)
    placed_at = models.DateTimeField(_("placed at"), db_index=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    estimated_delivery_at = models.DateTimeField(null=True, blank=True)
    country = models.CharField(max_length=80, blank=True)
    source = models.CharField(max_length=32, default="web")
    external_id = models.CharField(max_length=64, blank=True)
    external_customer_ref = models.CharField(max_length=64, blank=True)
    # Filled by `place_order` for web orders.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    payment_method = models.CharField(max_length=20, blank=True, db_index=True)
    shipping_method = models.CharField(max_length=20, blank=True)
    subtotal = MoneyField(_("subtotal"), default=0)
    shipping_total = MoneyField(_("shipping"), default=0)
    shipping_address = models.TextField(_("delivery address"), blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="order_unique_external_id",
            )
        ]
        indexes = [
            models.Index(fields=["customer", "-placed_at"]),
            # Offline sync pulls changes in (updated_at, id) order (`rapport.sync`).
            models.Index(fields=["updated_at", "id"], name="order_sync"),
            # The staff's task list reads the few orders still to pack or ship among many
            # finished ones (bench/workspace_page.py).
            models.Index(
                fields=["status", "placed_at"],
                condition=models.Q(status__in=["placed", "paid", "packed"]),
                name="order_open_by_status",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class LineKind(models.TextChoices):
    PRODUCT = "product", _("Product")
    SHIPPING = "shipping", _("Shipping")
    DISCOUNT = "discount", _("Discount")
    FEE = "fee", _("Fee")
    MANUAL = "manual", _("Manual adjustment")


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=16, choices=LineKind.choices, default=LineKind.PRODUCT)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seller = models.ForeignKey(
        "catalog.Seller", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    quantity = models.IntegerField()
    unit_price = MoneyField()
    line_total = MoneyField()
    # The part of the order's discounts (bundles, price lists, points) allocated onto this
    # line by `orders.netting`; `net_total` is what was paid for the line's goods. Refunds,
    # receipts and reports use `net_total`.
    discount = MoneyField(default=0)
    net_total = models.GeneratedField(
        expression=F("line_total") - F("discount"),
        output_field=models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES),
        db_persist=True,
    )
    freight = MoneyField(default=0)
    # The price list whose price the customer paid (`pricing`), None at the list price.
    price_list = models.ForeignKey(
        "pricing.PriceList", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position = models.PositiveIntegerField(default=0)
    # A configured product's choice and printed summary (`configurator`), as sold.
    configuration = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["order", "position"]
        indexes = [models.Index(fields=["product", "order"])]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"


class Review(TimeStampedModel):
    """A customer's review of an order (Olist reviews are per order)."""

    external_id = models.CharField(max_length=64, blank=True)
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    external_order_ref = models.CharField(max_length=64, blank=True)
    score = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=255, blank=True)
    text = models.TextField(blank=True)
    written_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=32, default="web")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id", "external_order_ref"],
                condition=~models.Q(external_id=""),
                name="review_unique_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="review_score_1_to_5"
            ),
        ]


class Shipment(TimeStampedModel):
    """A parcel handed to a carrier for an order (issue 7)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(_("carrier"), max_length=80)
    tracking_number = models.CharField(_("tracking number"), max_length=100)
    shipped_at = models.DateTimeField(_("shipped at"))

    class Meta:
        ordering = ["shipped_at", "id"]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class RefundDestination(models.TextChoices):
    ORIGINAL = "original", _("Original payment")
    WALLET = "wallet", _("Store credit")


class Refund(models.Model):
    """Money given back (or no longer owed) against one payment of an order. The sum per
    payment caps further refunds, so nothing is refunded twice."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(
        "payments.Payment", on_delete=models.PROTECT, related_name="refunds"
    )
    amount = MoneyField()
    destination = models.CharField(max_length=10, choices=RefundDestination.choices)
    # What caused it: "cancellation" or a return's number.
    reference = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_positive")
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} on {self.order_id}"
