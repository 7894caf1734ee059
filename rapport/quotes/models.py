"""Quotes: a price negotiation between an employee and a customer, kept version by version.

A quote has versions 1, 2, 3 …; each is made by one side (staff or customer) and, once sent,
never changes again (a counter-offer is a new version). Only the latest version can be accepted,
by the other side, while it is valid; accepting it places exactly one order (`Quote.order`).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.models import PublicIdModel, TimeStampedModel
from rapport.core.money import MoneyField


class QuoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    COUNTERED = "countered", _("Countered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (QuoteStatus.SENT, QuoteStatus.COUNTERED)
CLOSED_STATUSES = (
    QuoteStatus.ACCEPTED,
    QuoteStatus.DECLINED,
    QuoteStatus.EXPIRED,
    QuoteStatus.WITHDRAWN,
)


class Side(models.TextChoices):
    STAFF = "staff", _("Shop")
    CUSTOMER = "customer", _("Customer")


class Quote(PublicIdModel, TimeStampedModel):
    number = models.CharField(_("quote number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="quotes"
    )
    # The employee negotiating for the shop: they see it in "my quotes" and are told of answers.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_quotes"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT
    )
    latest_number = models.PositiveIntegerField(default=1)
    # Set when the customer answers (counter, accept, decline); cleared when the owner acts.
    needs_staff_attention = models.BooleanField(default=False)
    # Exactly one order per quote: the database refuses a second.
    order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="quote"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["customer", "-updated_at"]),
            # Offline sync pulls changes in (updated_at, id) order (`rapport.sync`).
            models.Index(fields=["updated_at", "id"], name="quote_sync"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class QuoteVersion(PublicIdModel, TimeStampedModel):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    side = models.CharField(max_length=10, choices=Side.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    valid_until = models.DateField(_("valid until"))
    total = MoneyField(_("total"), default=Decimal("0.00"))
    # None while a draft; once set the version never changes again.
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["quote", "number"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "number"], name="quote_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.quote.number} v{self.number}"


class QuoteLine(models.Model):
    version = models.ForeignKey(QuoteVersion, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = MoneyField(_("unit price"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "product"], name="quote_line_one_product"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="quote_line_qty_pos"),
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="quote_line_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"
